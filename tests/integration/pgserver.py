"""A real PostgreSQL 15 for the central fleet's tests: initdb and pg_ctl in
a temporary directory, listening on 127.0.0.1 on a free port with TLS
(a CA, a server and client certificates made here with openssl; pg_hba
takes only `hostssl ... cert` over TCP) and on a Unix socket in the same
directory, where the administrator (postgres) and the caseworkers' test
roles log in without a password (the tests' own shortcut, not the field's
set-up).

initdb refuses to run as root: under root (CI), the server runs as the
unprivileged user `nobody`, its directory handed over to it.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

PG_BIN = "/usr/lib/postgresql/15/bin"


def available():
    """None when PostgreSQL 15 can run here, else why not."""
    for prog in ("initdb", "pg_ctl", "postgres", "psql"):
        if not os.access(os.path.join(PG_BIN, prog), os.X_OK):
            return "PostgreSQL 15 is not installed (%s/%s missing: " \
                   "make deps installs postgresql-15)" % (PG_BIN, prog)
    if shutil.which("openssl") is None:
        return "openssl is not installed"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   capture_output=True, timeout=60)


class PgServer:
    """One server, its certificates and its database `shukher`."""

    def __init__(self, base=None):
        """In a new temporary directory, or in base (made afresh: make
        run-fleet keeps it in build/ for a look afterwards)."""
        if base is None:
            self.dir = tempfile.mkdtemp(prefix="shukher-pg-")
        else:
            shutil.rmtree(base, ignore_errors=True)
            os.makedirs(base)
            self.dir = base
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.certs = os.path.join(self.dir, "certs")
        self.sock = os.path.join(self.dir, "sock")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = pwd.getpwnam("nobody")
        os.makedirs(self.certs)
        os.makedirs(self.sock)
        self._make_ca()

    # ---- certificates -------------------------------------------------
    def _make_ca(self):
        c = self.certs
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj",
                "/CN=shukher test CA", cwd=c)
        self.ca = os.path.join(c, "ca.crt")
        with open(os.path.join(c, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "server.key", "-out", "server.csr", "-subj", "/CN=localhost",
                cwd=c)
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt",
                "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "server.ext", "-out", "server.crt", cwd=c)

    def client_cert(self, cn, ca="ca"):
        """A client certificate for role cn (signed by the test CA, or by
        another one made for the purpose); returns (crt, key) paths."""
        c = self.certs
        if ca != "ca" and not os.path.exists(os.path.join(c, ca + ".crt")):
            openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-keyout", ca + ".key", "-out", ca + ".crt", "-subj",
                    "/CN=" + ca, cwd=c)
        name = "%s-%s" % (cn, ca)
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn,
                cwd=c)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt",
                "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
                "-out", name + ".crt", cwd=c)
        key = os.path.join(c, name + ".key")
        os.chmod(key, 0o600)
        return os.path.join(c, name + ".crt"), key

    # ---- the server ---------------------------------------------------
    def _run(self, *args, check=True):
        """A PostgreSQL program, as the server's user."""
        cmd = [os.path.join(PG_BIN, args[0])] + list(args[1:])
        if self.user is not None:
            cmd = ["setpriv", "--reuid=%d" % self.user.pw_uid,
                   "--regid=%d" % self.user.pw_gid, "--clear-groups",
                   "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True,
                              text=True, timeout=120, cwd=self.dir)

    def init(self):
        """initdb, the config, the server's key, then start()."""
        if self.user is not None:
            for root, dirs, files in os.walk(self.dir):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), self.user.pw_uid,
                             self.user.pw_gid)
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        # The server's key: its user's, 0600.
        os.chmod(os.path.join(self.certs, "server.key"), 0o600)
        self._run("initdb", "-D", self.data, "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8",
                  "--locale=C")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n".join([
                "listen_addresses = '127.0.0.1'",
                "port = %d" % self.port,
                "unix_socket_directories = '%s'" % self.sock,
                "ssl = on",
                "ssl_cert_file = '%s/server.crt'" % self.certs,
                "ssl_key_file = '%s/server.key'" % self.certs,
                "ssl_ca_file = '%s/ca.crt'" % self.certs,
                "fsync = off",
                "full_page_writes = off",
                "shared_buffers = 16MB",
                "max_connections = 40",
                "log_min_messages = warning",
                ""]))
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    "hostssl all all 127.0.0.1/32 cert\n")
        self.start()
        self.psql("CREATE DATABASE shukher", db="postgres")

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t",
                  "60", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop",
                  check=False)

    def cleanup(self, keep=False):
        self.stop()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---- clients ------------------------------------------------------
    def socket_conninfo(self, user="postgres", db="shukher"):
        return "host=%s port=%d dbname=%s user=%s" % (self.sock, self.port,
                                                      db, user)

    def tcp_conninfo(self, user, db="shukher"):
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, db,
                                                             user)

    def psql(self, sql, user="postgres", db="shukher", conninfo=None,
             check=True):
        """Runs sql; returns the rows as lists of strings ('|' separated,
        no header). conninfo overrides the socket's."""
        p = subprocess.run(
            [os.path.join(PG_BIN, "psql"), "-X", "-A", "-t", "-q",
             "-v", "ON_ERROR_STOP=1", "-d",
             conninfo or self.socket_conninfo(user, db), "-c", sql],
            capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError("psql: %s\n%s" % (sql, p.stderr))
        if not check:
            return p
        return [line.split("|") for line in p.stdout.splitlines() if line]

    def scalar(self, sql, **kw):
        rows = self.psql(sql, **kw)
        return rows[0][0] if rows else None

    def raw_files(self):
        """Every byte of the data directory, WAL included."""
        data = bytearray()
        for root, _, files in os.walk(self.data):
            for n in files:
                try:
                    with open(os.path.join(root, n), "rb") as f:
                        data += f.read()
                except OSError:
                    pass
        return bytes(data)
