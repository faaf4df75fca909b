/*
 * modem_fake: see modem_fake.h.
 */
#include <stdio.h>
#include <string.h>

#include "modem_fake.h"

struct modem_fake fake;

void
modem_fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
}

int
modem_fake_put(const char *sender, const char *text, int ref, int part,
    int count)
{
	int i, k;

	for (k = 0; k < FAKE_SIM_SIZE; k++) {
		i = fake.in_order ? (fake.last_loc + k) % FAKE_SIM_SIZE : k;
		if (fake.used[i])
			continue;
		memset(&fake.sim[i], 0, sizeof(fake.sim[i]));
		fake.sim[i].location = i + 1;
		fake.sim[i].folder = 1;
		snprintf(fake.sim[i].sender, sizeof(fake.sim[i].sender), "%s",
		    sender);
		snprintf(fake.sim[i].text, sizeof(fake.sim[i].text), "%s", text);
		/* The SMSC's time: when it arrived, wherever it lies. */
		fake.sim[i].sent_at = 1700000000 + fake.puts;
		fake.sim[i].concat_ref = ref;
		fake.sim[i].part_no = part;
		fake.sim[i].part_count = count;
		fake.used[i] = 1;
		fake.last_loc = i + 1;
		fake.puts++;
		return i + 1;
	}
	return -1;
}

int
modem_fake_put_report(int ref, int delivered)
{
	int loc = modem_fake_put("+97699000000", "", 0, 1, 1);

	if (loc > 0) {
		fake.sim[loc - 1].status_report = 1;
		fake.sim[loc - 1].report_ref = ref;
		fake.sim[loc - 1].report_delivered = delivered;
	}
	return loc;
}

int
modem_fake_count(void)
{
	int i, n = 0;

	for (i = 0; i < FAKE_SIM_SIZE; i++)
		n += fake.used[i];
	return n;
}

static void *
fake_open(const struct conf_modem *conf, char *err, size_t errlen)
{
	(void)conf;
	fake.opens++;
	if (fake.fail_open > 0) {
		fake.fail_open--;
		snprintf(err, errlen, "no such device");
		return NULL;
	}
	fake.is_open = 1;
	return &fake;
}

static void
fake_close(void *m)
{
	(void)m;
	fake.closes++;
	fake.is_open = 0;
}

static int
fake_read(void *m, modem_sms_cb cb, void *arg, char *err, size_t errlen)
{
	int i, n = 0;

	(void)m;
	fake.reads++;
	if (fake.fail_read > 0) {
		fake.fail_read--;
		snprintf(err, errlen, "timeout");
		return -1;
	}
	for (i = 0; i < FAKE_SIM_SIZE; i++) {
		if (!fake.used[i])
			continue;
		n++;
		if (cb(arg, &fake.sim[i]) < 0)
			return -1;
	}
	return n;
}

static int
fake_remove(void *m, const struct modem_sms *sms, char *err, size_t errlen)
{
	(void)m;
	if (sms->location < 1 || sms->location > FAKE_SIM_SIZE ||
	    !fake.used[sms->location - 1]) {
		snprintf(err, errlen, "empty location");
		return -1;
	}
	fake.used[sms->location - 1] = 0;
	if (fake.removes < FAKE_REMOVED_MAX)
		fake.removed[fake.removes] = fake.sim[sms->location - 1];
	fake.removes++;
	return 0;
}

/* Sends text in parts of fake.part_len bytes (one part when 0), from
 * progress->parts_done on, failing as fake.fail_send says. */
static int
fake_send(void *m, const char *number, const char *text,
    struct modem_send *progress, modem_part_cb cb, void *arg, char *err,
    size_t errlen)
{
	size_t len = strlen(text), plen = fake.part_len ? fake.part_len : len;
	int i, n = plen ? (int)((len + plen - 1) / plen) : 1;
	struct fake_sent *s;
	size_t off, done;
	void (*hook)(void *) = fake.on_send;

	(void)m;
	if (hook != NULL) {
		fake.on_send = NULL;
		hook(fake.on_send_arg);
	}
	progress->parts_total = n;
	for (i = progress->parts_done; i < n; i++) {
		if (fake.fail_send > 0 && fake.nsent >= fake.fail_after) {
			fake.fail_send--;
			snprintf(err, errlen, "+CMS ERROR: 500");
			return fake.fail_send_rc ? fake.fail_send_rc : -2;
		}
		if (fake.nsent < FAKE_SENT_MAX) {
			s = &fake.sent[fake.nsent];
			off = (size_t)i * plen;
			snprintf(s->number, sizeof(s->number), "%s", number);
			snprintf(s->text, sizeof(s->text), "%.*s",
			    (int)(len - off < plen ? len - off : plen), text + off);
			s->part = i + 1;
			s->parts = n;
			s->concat_ref = progress->concat_ref;
		}
		fake.nsent++;
		done = strlen(progress->msgref);
		snprintf(progress->msgref + done,
		    sizeof(progress->msgref) - done, "%s%d", done ? "," : "",
		    fake.nsent);
		progress->parts_done = i + 1;
		if (cb != NULL)
			cb(arg, progress);
	}
	return 0;
}

static int
fake_info(void *m, struct modem_info *out, char *err, size_t errlen)
{
	(void)m;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));   /* network_time 0: unknown */
	snprintf(out->operator_name, sizeof(out->operator_name), "Fake");
	out->signal_dbm = -75;
	out->signal_percent = 60;
	out->sim_used = modem_fake_count();
	out->sim_total = FAKE_SIM_SIZE;
	return 0;
}

static int
fake_wait(void *m, int timeout_ms)
{
	(void)m;
	(void)timeout_ms;
	if (fake.announce) {
		fake.announce = 0;
		return 1;
	}
	return 0;
}

/* A USSD request is kept; the answer is fake.ussd_reply (NULL: none yet;
 * "" the network's error) as soon as it is asked for. */
static int
fake_ussd(void *m, const char *code, char *err, size_t errlen)
{
	(void)m;
	fake.ussd_requests++;
	snprintf(fake.ussd_code, sizeof(fake.ussd_code), "%s", code);
	if (fake.ussd_fail) {
		snprintf(err, errlen, "USSD refused");
		return -2;
	}
	return 0;
}

static int
fake_ussd_answer(void *m, char *out, size_t outlen, char *err, size_t errlen)
{
	(void)m;
	if (fake.ussd_reply == NULL)
		return 0;
	if (fake.ussd_reply[0] == '\0') {
		snprintf(err, errlen, "USSD: the network refused");
		return -2;
	}
	snprintf(out, outlen, "%s", fake.ussd_reply);
	return 1;
}

const struct modem_ops modem_fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.read = fake_read,
	.remove = fake_remove,
	.send = fake_send,
	.info = fake_info,
	.wait = fake_wait,
	.ussd = fake_ussd,
	.ussd_answer = fake_ussd_answer,
};
