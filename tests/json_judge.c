/*
 * json_judge: see json_judge.h. The questions and answers go hex-encoded,
 * one line each way, so that no byte of a document can end a line early.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_judge.h"

/* Each field is "x" and hex: "x" alone is the empty string. */
static const char judge_script[] =
    "import json, sys\n"
    "def unhex(f):\n"
    "    return bytes.fromhex(f[1:].decode()).decode('utf-8')\n"
    "for line in sys.stdin.buffer:\n"
    "    f = line.split()\n"
    "    try:\n"
    "        v = json.loads(unhex(f[0]))\n"
    "        ans = []\n"
    "        for e in f[1:]:\n"
    "            r = eval(unhex(e), {'json': json, 'v': v})\n"
    "            r = json.dumps(r) if r is None or isinstance(r, bool) "
    "else str(r)\n"
    "            ans.append(b'x' + r.encode('utf-8', 'surrogatepass')"
    ".hex().encode())\n"
    "        sys.stdout.buffer.write(b'OK ' + b' '.join(ans) + b'\\n')\n"
    "    except Exception:\n"
    "        sys.stdout.buffer.write(b'ERR\\n')\n"
    "    sys.stdout.buffer.flush()\n";

static struct {
	pid_t pid;
	FILE *to, *from;
} judge;

static void
judge_stop(void)
{
	if (judge.to != NULL)
		fclose(judge.to);
	if (judge.from != NULL)
		fclose(judge.from);
	if (judge.pid > 0)
		waitpid(judge.pid, NULL, 0);
	memset(&judge, 0, sizeof(judge));
}

/* Starts python3 once. Returns 0, or -1. */
static int
judge_start(void)
{
	int in[2], out[2];

	if (judge.pid > 0)
		return 0;
	if (pipe(in) == -1)
		return -1;
	if (pipe(out) == -1) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	/* A judge that died must fail the question, not the test binary. */
	signal(SIGPIPE, SIG_IGN);
	if ((judge.pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("python3", "python3", "-c", judge_script, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* Not for the binaries the tests run (shukherctl). */
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	judge.to = fdopen(in[1], "w");
	judge.from = fdopen(out[0], "r");
	if (judge.pid < 0 || judge.to == NULL || judge.from == NULL) {
		judge_stop();
		return -1;
	}
	atexit(judge_stop);
	return 0;
}

static void
judge_put(const char *s)
{
	fputc('x', judge.to);
	for (; *s != '\0'; s++)
		fprintf(judge.to, "%02x", (unsigned char)*s);
}

/* Hex field f (after its "x", up to a blank) decoded into *p; advances. */
static const char *
judge_get(const char *f, char **p)
{
	unsigned b;

	for (f++; f[0] != '\0' && f[0] != ' ' && f[0] != '\n'; f += 2) {
		if (sscanf(f, "%2x", &b) != 1)
			break;
		*(*p)++ = (char)b;
	}
	*(*p)++ = '\0';
	return *f == ' ' ? f + 1 : f;
}

char *
judge_eval(const char *text, const char *const *exprs, size_t n)
{
	char *line = NULL, *ans, *p;
	const char *f;
	size_t cap = 0, i;
	ssize_t len;

	if (judge_start() == -1)
		return NULL;
	judge_put(text);
	for (i = 0; i < n; i++) {
		fputc(' ', judge.to);
		judge_put(exprs[i]);
	}
	fputc('\n', judge.to);
	if (fflush(judge.to) == EOF ||
	    (len = getline(&line, &cap, judge.from)) < 3 ||
	    strncmp(line, "OK", 2) != 0) {
		free(line);
		return NULL;
	}
	/* Each answer is at most half its hex, plus its NUL. */
	if ((ans = p = malloc((size_t)len + n + 1)) == NULL) {
		free(line);
		return NULL;
	}
	for (f = line + 3, i = 0; i < n && *f == 'x'; i++)
		f = judge_get(f, &p);
	free(line);
	if (i < n) {
		free(ans);
		return NULL;
	}
	return ans;
}
