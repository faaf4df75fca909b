/*
 * shukherctl: the command line for caseworkers and technicians.
 *
 * It works on the daemon's database while the daemon runs (SQLite WAL):
 * lists the inbox, the outbox and the reports, closes reports, queues a
 * message by hand, shows counts per keyword and day, the modem's state as
 * the daemon last saw it, and checks a config; it manages the web
 * console's accounts, the locked key and reads the audit log. This file is the command
 * line: the table of commands, their help, option parsing, opening the
 * config and the database; the commands themselves live in src/ctl_*.c.
 *
 * Exit codes (exitcode.h): 0 done, 1 the command did not succeed (unknown
 * report, already closed), 64 wrong command line, 65 bad input (a number
 * or text that cannot be sent), 66 database missing, 74 database cannot be
 * opened or read, 75 database locked by another process (try again), 77
 * database not readable or writable for this user, 78 config invalid.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "day.h"
#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"

#define CTL_GLOBAL_SYNOPSIS "shukherctl [-c FILE] [-d DB] [--json]"

static const char *const ctl_inbox_states[] = {
	"new", "handled", "malformed", NULL
};
static const char *const ctl_outbox_states[] = {
	"queued", "sent", "failed", NULL
};
static const char *const ctl_report_states[] = { "open", "closed", NULL };

static const struct ctl_cmd ctl_cmds[] = {
	{ "inbox",
	  "[--state new|handled|malformed] [--since YYYY-MM-DD] [--limit N] "
	  "[--search TEXT]",
	  "messages received, newest first",
	  "  --state new|handled  only messages not yet handled, or handled\n"
	  "  --state malformed    only those that could not be decoded (an\n"
	  "                       SMS the modem could not read is kept as\n"
	  "                       the hex of its whole record)\n"
	  "  --since YYYY-MM-DD   only those received on or after that day\n"
	  "  --limit N            at most N messages, the newest\n"
	  "  --search TEXT        only those whose text contains TEXT\n"
	  "  --json               an array of objects: id, sender, text,\n"
	  "                       sent_at, received_at, handled_at, keyword,\n"
	  "                       parts, partial, malformed, modem\n",
	  CTL_OPT_STATE | CTL_OPT_SINCE | CTL_OPT_LIMIT | CTL_OPT_SEARCH,
	  ctl_inbox_states, 0, 0, 1, ctl_inbox },
	{ "outbox",
	  "[--state queued|sent|failed] [--since YYYY-MM-DD] [--limit N]",
	  "messages to send and sent, newest first",
	  "  --state queued|sent|failed  only messages in that state\n"
	  "  --since YYYY-MM-DD   only those queued on or after that day\n"
	  "  --limit N            at most N messages, the newest\n"
	  "  --json               an array of objects: id, number, text,\n"
	  "                       state, kind (reply, manual, alert),\n"
	  "                       attempts, tries, created_at, next_at,\n"
	  "                       sent_at, msgref, last_error, in_reply_to,\n"
	  "                       delivery, delivered_at, modem\n",
	  CTL_OPT_STATE | CTL_OPT_SINCE | CTL_OPT_LIMIT,
	  ctl_outbox_states, 0, 0, 1, ctl_outbox },
	{ "reports list",
	  "[--status open|closed] [--urgent] [--since YYYY-MM-DD] "
	  "[--search TEXT] [--limit N] [--central]",
	  "reports filed by texting, newest first",
	  "  --status open|closed only open, or closed, reports\n"
	  "  --urgent             only urgent reports\n"
	  "  --since YYYY-MM-DD   only those filed on or after that day\n"
	  "  --search TEXT        only those whose text contains TEXT\n"
	  "  --limit N            at most N reports, the newest\n"
	  "  --central            every gateway's reports, from the central\n"
	  "                       database (central.conninfo; sealed, so\n"
	  "                       without number or text; --status only)\n"
	  "  --json               an array of objects: id, ref, number, text,\n"
	  "                       status, urgent, message_id, created_at,\n"
	  "                       closed_at, outcome; with --central: gateway,\n"
	  "                       ref, status, urgent, created_at, closed_at,\n"
	  "                       claimed_by, claimed_at, sealed\n",
	  CTL_OPT_STATUS | CTL_OPT_URGENT | CTL_OPT_SINCE | CTL_OPT_SEARCH |
	  CTL_OPT_LIMIT | CTL_OPT_KEY | CTL_OPT_CENTRAL, ctl_report_states,
	  0, 0, 1, ctl_reports_list },
	{ "reports show", "ID|REF",
	  "one report in full, by number or reference",
	  "  ID|REF               the report's number, or its reference\n"
	  "                       (case does not matter)\n"
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY)\n"
	  "  --json               one object, with the fields of reports list\n"
	  "                       and timeline (at, kind, actor, text)\n",
	  CTL_OPT_KEY, NULL, 1, 1, 1, ctl_reports_show },
	{ "reports close", "[--key FILE] ID|REF [--outcome TEXT]",
	  "closes an open report",
	  "  ID|REF               the report's number, or its reference\n"
	  "  --outcome TEXT       what was done; sealed into the timeline\n"
	  "                       (the key is then needed)\n"
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY)\n"
	  "  --json               one object: id, ref, done\n",
	  CTL_OPT_OUTCOME | CTL_OPT_KEY, NULL, 1, 1, 1, ctl_reports_close },
	{ "reports claim", "ID|REF",
	  "takes an open report: escalation stops",
	  "  ID|REF               the report's number, or its reference\n"
	  "  --json               one object: id, ref, done\n",
	  0, NULL, 1, 1, 1, ctl_reports_claim },
	{ "reports note", "[--key FILE] ID|REF TEXT...",
	  "adds a note to a report's timeline, sealed",
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY)\n"
	  "  ID|REF               the report's number, or its reference\n"
	  "  TEXT...              the note; joined by spaces\n"
	  "Options go before ID; everything after it is text.\n",
	  CTL_OPT_KEY, NULL, 2, -1, 1, ctl_reports_note },
	{ "reports reply", "[--key FILE] ID|REF TEXT...",
	  "texts the reporter from the gateway's own number",
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY)\n"
	  "  ID|REF               the report's number, or its reference\n"
	  "  TEXT...              the message; joined by spaces\n"
	  "Options go before ID; everything after it is text.\n",
	  CTL_OPT_KEY, NULL, 2, -1, 1, ctl_reports_reply },
	{ "reports export",
	  "[--since YYYY-MM-DD] [--until YYYY-MM-DD] [--format csv|json] "
	  "[--key FILE]",
	  "reports filed in a date range, as CSV or JSON, to stdout",
	  "  --since YYYY-MM-DD   filed on or after that day (local time)\n"
	  "  --until YYYY-MM-DD   filed up to and including that day\n"
	  "  --format csv|json    CSV (RFC 4180, a header row; the default)\n"
	  "                       or a JSON array of objects\n"
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY):\n"
	  "                       numbers, texts and outcomes opened; without\n"
	  "                       it only what is not sealed\n"
	  "Fields: id, ref, status, urgent, created_at, claimed_by,\n"
	  "claimed_at, closed_at, outcome, number, text, sealed. Newest first.\n"
	  "Exits 1 when the key is not the one the reports were sealed to.\n",
	  CTL_OPT_SINCE | CTL_OPT_UNTIL | CTL_OPT_FORMAT | CTL_OPT_KEY, NULL,
	  0, 0, 1, ctl_reports_export },
	{ "keygen", "PUBLIC_FILE SECRET_FILE",
	  "makes the caseworkers' key pair for sealed reports",
	  "  PUBLIC_FILE          for the device (reports.public_key)\n"
	  "  SECRET_FILE          for the caseworkers only (mode 0600)\n",
	  0, NULL, 2, 2, 0, ctl_keygen },
	{ "pin-hash", "",
	  "hashes a caseworker's PIN (read from stdin) for the config",
	  "Prints the line for reports.caseworkers[].pin_hash. The PIN is\n"
	  "read without echo and never shown; it takes 6 to 31 characters,\n"
	  "no spaces (on a keypad: 6 digits or more).\n",
	  0, NULL, 0, 0, 0, ctl_pin_hash },
	{ "users add", "NAME",
	  "adds a caseworker's account for the web console",
	  "  NAME                 1 to 63 characters, no spaces; case matters\n"
	  "The password (10 characters or more) is read from the terminal\n"
	  "without echo, twice, or as one line from stdin when that is not a\n"
	  "terminal. Only its crypto_pwhash hash is stored.\n"
	  "  --json               one object: name, done\n",
	  0, NULL, 1, 1, 1, ctl_users_add },
	{ "users passwd", "NAME",
	  "sets a new password for an account; lifts its lock",
	  "  NAME                 the account\n"
	  "The password is read as for users add.\n"
	  "  --json               one object: name, done\n",
	  0, NULL, 1, 1, 1, ctl_users_passwd },
	{ "users disable", "NAME",
	  "keeps an account from signing in",
	  "  NAME                 the account\n"
	  "  --json               one object: name, done\n",
	  0, NULL, 1, 1, 1, ctl_users_disable },
	{ "users enable", "NAME",
	  "lets a disabled or locked account sign in again",
	  "  NAME                 the account\n"
	  "  --json               one object: name, done\n",
	  0, NULL, 1, 1, 1, ctl_users_enable },
	{ "users list", "",
	  "the web console's accounts",
	  "  --json               an array of objects: name, disabled,\n"
	  "                       failures, locked, locked_until, created_at,\n"
	  "                       last_signin_at (never the password hash)\n",
	  0, NULL, 0, 0, 1, ctl_users_list },
	{ "key store", "SECRET_FILE",
	  "keeps the caseworkers' secret key on the device, locked",
	  "  SECRET_FILE          the caseworkers' secret key; it must be the\n"
	  "                       pair of reports.public_key in the config (-c)\n"
	  "The passphrase (12 characters or more) is read as for users add;\n"
	  "the web console asks for it to open reports. SECRET_FILE is then\n"
	  "no longer needed on the device.\n"
	  "  --json               one object: key_id, done\n",
	  0, NULL, 1, 1, 1, ctl_key_store },
	{ "key remove", "",
	  "forgets the locked key: the console can no longer open reports",
	  "  --json               one object: removed\n",
	  0, NULL, 0, 0, 1, ctl_key_remove },
	{ "audit", "[--report REF|ID] [--limit N]",
	  "who opened, claimed, answered or closed which report, newest first",
	  "  --report REF|ID      only the rows of that report\n"
	  "  --limit N            at most N rows, the newest\n"
	  "  --json               an array of objects: at, actor, via, action,\n"
	  "                       report_id, report_ref, address, detail\n"
	  "Also sign-ins, unlocking the key, exports and changes to accounts.\n"
	  "No report text and no number is ever in it.\n",
	  CTL_OPT_REPORT | CTL_OPT_LIMIT, NULL, 0, 0, 1, ctl_audit },
	{ "stats", "[--since YYYY-MM-DD] [--until YYYY-MM-DD] [--by source]",
	  "messages per keyword (or source) per day (no personal data)",
	  "  --since YYYY-MM-DD   from that day on (local time)\n"
	  "  --until YYYY-MM-DD   up to and including that day\n"
	  "  --by source          messages per source (poster, spot, place)\n"
	  "                       per day instead\n"
	  "  --json               an array of objects: day, keyword (or\n"
	  "                       source), count\n",
	  CTL_OPT_SINCE | CTL_OPT_UNTIL | CTL_OPT_BY, NULL, 0, 0, 1,
	  ctl_stats },
	{ "series list", "",
	  "subscribers per opt-in series and language (never their numbers)",
	  "  --json               an array of objects: series, language,\n"
	  "                       subscribers\n",
	  0, NULL, 0, 0, 1, ctl_series_list },
	{ "broadcast", "[--at TIME] SERIES TEXT...",
	  "queues TEXT to every subscriber of SERIES, once each",
	  "  --at TIME            \"HH:MM\" or \"YYYY-MM-DDTHH:MM\" (local):\n"
	  "                       not before then; never in quiet hours\n"
	  "  --json               one object: id, series, at\n"
	  "Options go before SERIES; everything after it is text. With -c,\n"
	  "SERIES must be one of the config's.\n",
	  CTL_OPT_AT, NULL, 2, -1, 1, ctl_broadcast },
	{ "broadcasts list", "",
	  "broadcasts, newest first, with what became of their SMS",
	  "  --json               an array of objects: id, series, at,\n"
	  "                       queued_at, recipients, sent, delivered,\n"
	  "                       failed\n"
	  "delivered counts the delivery reports the network sent back.\n",
	  0, NULL, 0, 0, 1, ctl_broadcasts_list },
	{ "surveys results", "[--csv] NAME",
	  "a survey's answers counted per question (no personal data)",
	  "  --csv                question,answer,count: for the report to\n"
	  "                       the donor\n"
	  "  --json               one object: survey, wave, complete,\n"
	  "                       partial, open, answers (question, index,\n"
	  "                       choice|number|text, answer, count)\n"
	  "With -c, questions and options are named as in the config.\n",
	  CTL_OPT_CSV, NULL, 1, 1, 1, ctl_surveys_results },
	{ "send", "NUMBER TEXT...",
	  "queues a message to NUMBER, sent by the daemon",
	  "  NUMBER               + and 3 to 20 digits, or 3 to 20 digits\n"
	  "  TEXT...              the message; the words are joined by spaces\n"
	  "  --json               one object: id, number, state, kind\n"
	  "Options go before NUMBER; everything after it is text.\n",
	  0, NULL, 2, -1, 1, ctl_send },
	{ "status", "",
	  "modem, SIM, signal and queues, as the daemon last saw them",
	  "  --json               one object: reported, connected, since,\n"
	  "                       operator_name, signal_dbm, signal_percent,\n"
	  "                       signal_quality, sim_used, sim_total,\n"
	  "                       last_error, last_error_at, updated_at,\n"
	  "                       inbox_new, parts_pending, outbox_queued,\n"
	  "                       outbox_failed, reports_open,\n"
	  "                       reports_urgent_open, modems (name,\n"
	  "                       connected, operator, signal_dbm, sim_used,\n"
	  "                       sim_total, sent_today, last_error,\n"
	  "                       updated_at, down_since, credit, credit_at),\n"
	  "                       uplink_connected, uplink_pending,\n"
	  "                       uplink_last_ok, credit, credit_at,\n"
	  "                       credit_answer, credit_error,\n"
	  "                       credit_checked_at, open_conditions (name,\n"
	  "                       since, detail, alerted)\n",
	  0, NULL, 0, 0, 1, ctl_status },
	{ "fleet", "",
	  "every gateway of the central database: last contact, modem, queues",
	  "  (needs central.conninfo in the config; a gateway is SILENT after\n"
	  "  central.silent_after seconds without contact)\n"
	  "  --json               an array of objects: gateway, last_seen,\n"
	  "                       connected, operator, signal_dbm, sim_used,\n"
	  "                       outbox_queued, reports_open, version, silent\n",
	  0, NULL, 0, 0, 0, ctl_fleet },
	{ "central init", "",
	  "create or migrate the central database's schema (its administrator)",
	  "  connects with central.conninfo as a role that may create schemas\n"
	  "  and roles; safe to run again\n",
	  0, NULL, 0, 0, 0, ctl_central_init },
	{ "central add-gateway", "NAME",
	  "a gateway's role in the central database, and what to install on it",
	  "  NAME                 the gateway's name (central.gateway): a\n"
	  "                       lower-case letter, then letters, digits, '_'\n",
	  0, NULL, 1, 1, 0, ctl_central_add_gateway },
	{ "central add-caseworker", "NAME",
	  "a caseworker's role in the central database (reads all, commands)",
	  "  NAME                 a role name, as for add-gateway\n",
	  0, NULL, 1, 1, 0, ctl_central_add_caseworker },
	{ "central command", "GATEWAY REF claim|note|reply|close [TEXT...]",
	  "queue a caseworker's action for the gateway that holds a report",
	  "  note and reply take TEXT, close an optional outcome; the command\n"
	  "  is boxed with the caseworkers' key to the gateway's own key, which\n"
	  "  applies nothing else\n"
	  "  --key FILE           the caseworkers' secret key (or $SHUKHER_KEY),\n"
	  "                       needed: reply also opens the reporter's\n"
	  "                       number with it\n",
	  CTL_OPT_KEY, NULL, 3, -1, 0, ctl_central_command },
	{ "clock", "[--set [--dry-run]]",
	  "the system clock against the network's time (from the modem)",
	  "  --set                set the clock from the network's time when\n"
	  "                       it is more than 2 minutes off and NTP has not\n"
	  "                       synchronised it (needs root)\n"
	  "  --dry-run            with --set: say what would be done\n"
	  "  --json               one object: system, network, offset,\n"
	  "                       ntp_synchronized, action\n",
	  CTL_OPT_SET | CTL_OPT_DRY_RUN, NULL, 0, 0, 1, ctl_clock },
	{ "config check", "",
	  "reads the config (-c) and says what is wrong with it",
	  "  --json               one object: path, ok, error, database,\n"
	  "                       keywords (name, words, languages, report)\n"
	  "Exits 78 when the config is invalid.\n",
	  0, NULL, 0, 0, 0, ctl_config_check },
	{ "purge", "[--dry-run]",
	  "forgets what the retention settings say may go",
	  "  --dry-run            only count what would go; change nothing\n"
	  "  --json               one object: dry_run, reports, messages,\n"
	  "                       outbox, wal_truncated\n"
	  "Needs the config (-c): reports.retention_days (closed reports),\n"
	  "reports.inbox_retention_days (number and text of handled messages;\n"
	  "the daily counts stay), reports.outbox_retention_days (number and\n"
	  "text of sent or failed messages). One transaction, then the WAL\n"
	  "is emptied. The daemon does the same once a day.\n",
	  CTL_OPT_DRY_RUN, NULL, 0, 0, 1, ctl_purge },
	{ "init", "",
	  "creates the database where none is (a new installation)",
	  "Creates an empty database at the config's database path (or -d).\n"
	  "shukherd does so by itself only on its first start; once a\n"
	  "database has existed, a missing one is an error, and this is how\n"
	  "to start afresh. Never replaces a file, not even an empty one\n"
	  "(exit 1). As root, the file goes to the directory's owner.\n"
	  "  --json               one object: database, created, schema\n",
	  0, NULL, 0, 0, 0, ctl_init },
	{ "selftest", "[--sms NUMBER]",
	  "checks service, modem, SIM, signal, clock and storage (technicians)",
	  "  --sms NUMBER         also send a test SMS to NUMBER and wait for\n"
	  "                       an answer from it (up to 5 minutes)\n"
	  "  --json               an array of objects: check, result, detail\n"
	  "One line per check: PASS, WARN or FAIL. Exits 1 when one failed.\n",
	  CTL_OPT_SMS, NULL, 0, 0, 0, ctl_selftest },
	{ NULL, NULL, NULL, NULL, 0, NULL, 0, 0, 0, NULL },
};

/* Prints the global usage: the options and the list of commands. */
static void
ctl_usage(FILE *fp)
{
	const struct ctl_cmd *cmd;

	fprintf(fp, "usage: " CTL_GLOBAL_SYNOPSIS " COMMAND [ARGS...]\n"
	    "       shukherctl help [COMMAND]\n\n"
	    "  -c FILE     the config; the database path comes from it\n"
	    "              (default " CONF_DEFAULT_PATH ")\n"
	    "  -d DB       the database; the config is then not read\n"
	    "  --json      JSON output: an array of objects, or one object for\n"
	    "              reports show, reports close, send, status\n"
	    "  -h, --help  this help; COMMAND --help for a command's\n\n"
	    "commands:\n");
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		fprintf(fp, "  %-14s %s\n", cmd->name, cmd->summary);
	fprintf(fp, "\nexit codes: 0 done, 1 not done (unknown report, ...), "
	    "64 usage,\n65 bad input, 66 no database, 74 database error, "
	    "75 database locked,\n77 no permission on the database, "
	    "78 bad config\n");
}

/* Prints one command's usage line, and with full its options too. */
static void
ctl_cmd_usage(FILE *fp, const struct ctl_cmd *cmd, int full)
{
	fprintf(fp, "usage: " CTL_GLOBAL_SYNOPSIS " %s%s%s\n", cmd->name,
	    cmd->synopsis[0] != '\0' ? " " : "", cmd->synopsis);
	if (!full)
		return;
	fprintf(fp, "\n%s.\n\n%s  -h, --help           this help\n",
	    cmd->summary, cmd->help);
}

/* Prints the usage of every command of a group ("reports"). */
static void
ctl_group_usage(FILE *fp, const char *group)
{
	const struct ctl_cmd *cmd;
	size_t n = strlen(group);

	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		if (strncmp(cmd->name, group, n) == 0 && cmd->name[n] == ' ')
			ctl_cmd_usage(fp, cmd, 0);
}

/* Whether word names a group of commands, like "reports". */
static int
ctl_is_group(const char *word)
{
	const struct ctl_cmd *cmd;
	size_t n = strlen(word);

	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		if (strncmp(cmd->name, word, n) == 0 && cmd->name[n] == ' ')
			return 1;
	return 0;
}

/*
 * The command named by argv[0] (and argv[1] for a group). Sets *used to
 * the number of words its name took. NULL when there is no such command.
 */
static const struct ctl_cmd *
ctl_find_cmd(int argc, char **argv, int *used)
{
	const struct ctl_cmd *cmd;
	char name[64];

	*used = 1;
	snprintf(name, sizeof(name), "%s", argv[0]);
	if (ctl_is_group(argv[0])) {
		if (argc < 2)
			return NULL;
		snprintf(name, sizeof(name), "%s %s", argv[0], argv[1]);
		*used = 2;
	}
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

/* The long options every command may take; val indexes this table. */
static const struct {
	const char *name;
	int has_arg;
	unsigned opt;               /* enum ctl_opt; 0: everywhere */
} ctl_longopts[] = {
	{ "state", required_argument, CTL_OPT_STATE },
	{ "status", required_argument, CTL_OPT_STATUS },
	{ "since", required_argument, CTL_OPT_SINCE },
	{ "until", required_argument, CTL_OPT_UNTIL },
	{ "limit", required_argument, CTL_OPT_LIMIT },
	{ "search", required_argument, CTL_OPT_SEARCH },
	{ "urgent", no_argument, CTL_OPT_URGENT },
	{ "outcome", required_argument, CTL_OPT_OUTCOME },
	{ "key", required_argument, CTL_OPT_KEY },
	{ "sms", required_argument, CTL_OPT_SMS },
	{ "format", required_argument, CTL_OPT_FORMAT },
	{ "dry-run", no_argument, CTL_OPT_DRY_RUN },
	{ "report", required_argument, CTL_OPT_REPORT },
	{ "set", no_argument, CTL_OPT_SET },
	{ "by", required_argument, CTL_OPT_BY },
	{ "at", required_argument, CTL_OPT_AT },
	{ "csv", no_argument, CTL_OPT_CSV },
	{ "central", no_argument, CTL_OPT_CENTRAL },
	{ "json", no_argument, 0 },
	{ "help", no_argument, 0 },
};
#define CTL_NLONGOPTS (sizeof(ctl_longopts) / sizeof(ctl_longopts[0]))

/* Whether value is one of the NULL-ended states. */
static int
ctl_state_ok(const char *const *states, const char *value)
{
	for (; states != NULL && *states != NULL; states++)
		if (strcmp(*states, value) == 0)
			return 1;
	return 0;
}

/*
 * Applies one option of cmd (the index into ctl_longopts) with its
 * argument. Returns 0, 1 for --help, or -1 after saying what is wrong.
 */
static int
ctl_apply_opt(struct ctl *ctl, const struct ctl_cmd *cmd, size_t idx,
    const char *arg, struct ctl_args *args)
{
	const char *name = ctl_longopts[idx].name;
	char *end;
	long n;

	switch (ctl_longopts[idx].opt) {
	case CTL_OPT_STATE:
	case CTL_OPT_STATUS:
		if (!ctl_state_ok(cmd->states, arg)) {
			ctl_err("%s: --%s: not a %s: %s", cmd->name, name,
			    name, arg);
			return -1;
		}
		args->filter.state = arg;
		return 0;
	case CTL_OPT_SINCE:
	case CTL_OPT_UNTIL:
		if (day_start(arg, 0, ctl_longopts[idx].opt == CTL_OPT_SINCE ?
		    &args->filter.since : &(int64_t){ 0 }) == -1) {
			ctl_err("%s: --%s: not a date (YYYY-MM-DD): %s",
			    cmd->name, name, arg);
			return -1;
		}
		if (ctl_longopts[idx].opt == CTL_OPT_SINCE)
			args->since_day = arg;
		else
			args->until_day = arg;
		return 0;
	case CTL_OPT_LIMIT:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || n < 1 ||
		    n > INT_MAX) {
			ctl_err("%s: --limit: not a positive number: %s",
			    cmd->name, arg);
			return -1;
		}
		args->filter.limit = (int)n;
		return 0;
	case CTL_OPT_SEARCH:
		args->filter.search = arg;
		return 0;
	case CTL_OPT_URGENT:
		args->filter.urgent = 1;
		return 0;
	case CTL_OPT_OUTCOME:
		args->outcome = arg;
		return 0;
	case CTL_OPT_KEY:
		args->key = arg;
		return 0;
	case CTL_OPT_SMS:
		args->sms = arg;
		return 0;
	case CTL_OPT_FORMAT:
		if (strcmp(arg, "csv") != 0 && strcmp(arg, "json") != 0) {
			ctl_err("%s: --format: csv or json, not %s",
			    cmd->name, arg);
			return -1;
		}
		args->format = arg;
		return 0;
	case CTL_OPT_DRY_RUN:
		args->dry_run = 1;
		return 0;
	case CTL_OPT_SET:
		args->set = 1;
		return 0;
	case CTL_OPT_CENTRAL:
		args->central = 1;
		return 0;
	case CTL_OPT_REPORT:
		args->report = arg;
		return 0;
	case CTL_OPT_BY:
		if (strcmp(arg, "source") != 0) {
			ctl_err("%s: --by: only source, not %s", cmd->name,
			    arg);
			return -1;
		}
		args->by = arg;
		return 0;
	case CTL_OPT_AT:
		args->at = arg;
		return 0;
	case CTL_OPT_CSV:
		args->csv = 1;
		return 0;
	}
	if (strcmp(name, "json") == 0) {
		ctl->want_json = 1;
		return 0;
	}
	return 1;                   /* --help */
}

/*
 * Parses a command's options and arguments (argv[0] is the command's last
 * word). Returns -1 to run it, or the exit code: EXIT_OK after --help,
 * EXIT_USAGE after a message and the usage on stderr.
 */
static int
ctl_parse_args(struct ctl *ctl, const struct ctl_cmd *cmd, int argc,
    char **argv, struct ctl_args *args)
{
	struct option longopts[CTL_NLONGOPTS + 1];
	size_t i, n = 0;
	int c, rc;

	memset(args, 0, sizeof(*args));
	args->filter.urgent = -1;
	for (i = 0; i < CTL_NLONGOPTS; i++) {
		if (ctl_longopts[i].opt != 0 && !(cmd->opts & ctl_longopts[i].opt))
			continue;
		longopts[n].name = ctl_longopts[i].name;
		longopts[n].has_arg = ctl_longopts[i].has_arg;
		longopts[n].flag = NULL;
		longopts[n++].val = 256 + (int)i;
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));
	optind = 0;                 /* glibc: start afresh */
	/* A command with free text stops at its first argument. */
	while ((c = getopt_long(argc, argv, cmd->max_args < 0 ? "+h" : "h",
	    longopts, NULL)) != -1) {
		if (c == '?')
			goto usage;
		rc = c == 'h' ? 1 : ctl_apply_opt(ctl, cmd, (size_t)(c - 256),
		    optarg, args);
		if (rc == 1) {
			ctl_cmd_usage(stdout, cmd, 1);
			return EXIT_OK;
		}
		if (rc == -1)
			goto usage;
	}
	args->rest = argv + optind;
	args->nrest = argc - optind;
	if (args->nrest < cmd->min_args) {
		ctl_err("%s: missing argument", cmd->name);
		goto usage;
	}
	if (cmd->max_args >= 0 && args->nrest > cmd->max_args) {
		ctl_err("%s: unexpected argument: %s", cmd->name,
		    args->rest[cmd->max_args]);
		goto usage;
	}
	return -1;
usage:
	ctl_cmd_usage(stderr, cmd, 0);
	return EXIT_USAGE;
}

/*
 * Opens what cmd needs: the config unless -d names the database, then the
 * database, never creating it. Returns 0, or the exit code after saying
 * why on stderr.
 */
int
ctl_find_db(struct ctl *ctl)
{
	char err[768];

	if (ctl->db_path != NULL)
		return EXIT_OK;
	if (conf_load(ctl->conf_path, &ctl->conf, err, sizeof(err)) == -1) {
		ctl_err("%s", err);
		return EXIT_CONFIG;
	}
	ctl->db_path = ctl->conf->database;
	return EXIT_OK;
}

static int
ctl_open(struct ctl *ctl, const struct ctl_cmd *cmd)
{
	enum store_fault fault;
	char err[768];

	int rc;

	if (!cmd->needs_db)
		return 0;
	if ((rc = ctl_find_db(ctl)) != EXIT_OK)
		return rc;
	ctl->store = store_open_fault(ctl->db_path, 0, &fault, err,
	    sizeof(err));
	if (ctl->store == NULL) {
		ctl_err("database %s%s", err, fault == STORE_FAULT_MISSING ?
		    " (shukherd creates it on its first start; or shukherctl "
		    "init)" : "");
		return store_fault_exit(fault);
	}
	return 0;
}

/*
 * Runs the command at argv[0]: "help", a command, or a group with its
 * subcommand. Returns the exit code.
 */
static int
ctl_dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	struct ctl_args args;
	char *helpv[4];
	int used, rc;


	/* "help reports list" is "reports list --help". */
	if (strcmp(argv[0], "help") == 0) {
		if (argc == 1) {
			ctl_usage(stdout);
			return EXIT_OK;
		}
		if (argc > 3) {
			ctl_err("help: too many arguments");
			ctl_usage(stderr);
			return EXIT_USAGE;
		}
		memcpy(helpv, argv + 1, (argc - 1) * sizeof(*argv));
		helpv[argc - 1] = "--help";
		helpv[argc] = NULL;
		argv = helpv;
	}
	if ((cmd = ctl_find_cmd(argc, argv, &used)) == NULL) {
		if (ctl_is_group(argv[0])) {
			if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
			    strcmp(argv[1], "-h") == 0)) {
				ctl_group_usage(stdout, argv[0]);
				return EXIT_OK;
			}
			ctl_err("%s: which one?%s%s", argv[0],
			    argc > 1 ? " not " : "", argc > 1 ? argv[1] : "");
			ctl_group_usage(stderr, argv[0]);
		} else {
			ctl_err("unknown command: %s", argv[0]);
			ctl_usage(stderr);
		}
		return EXIT_USAGE;
	}
	if ((rc = ctl_parse_args(ctl, cmd, argc - used + 1, argv + used - 1,
	    &args)) != -1)
		return rc;
	if (!args.central && (rc = ctl_open(ctl, cmd)) != 0)
		return rc;
	if (ctl->want_json && ((ctl->out = open_memstream(&ctl->json_buf,
	    &ctl->json_len)) == NULL ||
	    (ctl->json = json_new(ctl->out, 2)) == NULL)) {
		ctl_err("out of memory");
		return EXIT_OSERR;
	}
	/* reports list --central: the central database's, no local one. */
	return args.central ? ctl_central_reports(ctl, &args) :
	    cmd->run(ctl, &args);
}

/*
 * With --json: the buffered output to stdout when it is one whole JSON
 * value (a failed self-test's report is one, with its exit code), never a
 * half-written one (a list that failed on its tenth row: the reason is on
 * stderr). Returns rc, or EXIT_IOERR when a command that succeeded left
 * no whole value.
 */
static int
ctl_json_flush(struct ctl *ctl, int rc)
{
	int whole = ctl->json != NULL && json_free(ctl->json) == 0;

	ctl->json = NULL;
	if (ctl->out != stdout && fclose(ctl->out) == EOF)
		whole = 0;
	ctl->out = stdout;
	if (whole && fwrite(ctl->json_buf, 1, ctl->json_len, stdout) !=
	    ctl->json_len)
		whole = 0;
	/* it may hold opened reports, as the export's buffer does */
	if (ctl->json_buf != NULL)
		sodium_memzero(ctl->json_buf, ctl->json_len);
	free(ctl->json_buf);
	ctl->json_buf = NULL;
	if (!whole && rc == EXIT_OK) {
		ctl_err("could not write the JSON output");
		rc = EXIT_IOERR;
	}
	return rc;
}

/*
 * Parses the options before the command. Returns 0 and sets *next to the
 * index of the command, or an exit code.
 */
static int
ctl_parse_global(struct ctl *ctl, int argc, char **argv, int *next)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+c:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctl->conf_path = optarg;
			break;
		case 'd':
			ctl->db_path = optarg;
			break;
		case 'j':
			ctl->want_json = 1;
			break;
		case 'h':
			ctl_usage(stdout);
			return EXIT_OK;
		default:
			ctl_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_err("no command given");
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	*next = optind;
	return -1;
}

int
main(int argc, char **argv)
{
	struct ctl ctl;
	int rc, next;

	memset(&ctl, 0, sizeof(ctl));
	ctl.conf_path = CONF_DEFAULT_PATH;
	ctl.out = stdout;
	if ((rc = ctl_parse_global(&ctl, argc, argv, &next)) != -1)
		return rc;
	rc = ctl_dispatch(&ctl, argc - next, argv + next);
	if (ctl.out != stdout)
		rc = ctl_json_flush(&ctl, rc);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_err("stdout: %s", strerror(errno));
		if (rc == EXIT_OK)
			rc = EXIT_IOERR;
	}
	ctl_table_free(ctl.table);
	if (ctl.store != NULL)
		store_close(ctl.store);
	if (ctl.conf != NULL)
		conf_free(ctl.conf);
	return rc;
}
