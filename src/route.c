/*
 * route: from a stored message to its consequences, in one transaction:
 * gather (here: reads only), decide (route_decide.c: pure), apply
 * (route_apply.c: the only writer), commit. See route.h for the shape and
 * for how a new kind of message joins it.
 */
#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "route.h"
#include "route_int.h"
#include "store.h"

/*
 * The report the text names: a caseworker's command's reference, else
 * the reference the text starts with. Fills f->report and sets
 * f->have_report when found. Returns 0 or -1.
 */
static int
route_gather_report(struct store *store, const struct conf *conf,
    struct route_facts *f)
{
	const struct conf_caseworker *cw;
	struct route_cmd cmd;
	char ref[STORE_REF_LEN + 1];
	const char *key = NULL;
	int rc;

	if ((cw = route_command(conf, f->sender, f->text, &cmd)) != NULL) {
		if (store_pin_get(store, cw->name, &f->pin) < 0) {
			sodium_memzero(&cmd, sizeof(cmd));
			return -1;
		}
		if (cmd.ref[0] != '\0')
			key = cmd.ref;
	} else if (route_text_ref(f->text, ref) != NULL)
		key = ref;
	rc = key != NULL ? store_report_find(store, key, &f->report) : 0;
	sodium_memzero(&cmd, sizeof(cmd));     /* it held a PIN */
	if (rc < 0)
		return -1;
	f->have_report = rc;
	return 0;
}

/*
 * Reads everything decide may look at for msg into f (free with
 * route_facts_free()). Reads only. Returns 0 or -1.
 */
static int
route_gather(struct store *store, const struct conf *conf,
    const struct store_msg *msg, int64_t now, struct route_facts *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->sender = msg->sender;
	f->text = msg->text;
	f->malformed = msg->malformed;
	f->now = now;
	f->link_lang = -1;
	if (store_contact_get(store, msg->sender, &f->contact) < 0)
		return -1;
	f->replies_in_window = store_outbox_count(store, msg->sender,
	    now - conf->limits.reply_window);
	if (f->replies_in_window < 0)
		return -1;
	if (store_number_hash(store, msg->sender, f->hash) < 0)
		return -1;
	if ((rc = store_link_get(store, f->hash, now, &f->link_report,
	    f->link_state, sizeof(f->link_state), &f->link_lang)) < 0)
		return -1;
	f->linked = rc;
	if (route_gather_campaign(store, conf, msg, now, f) < 0)
		return -1;
	return route_gather_report(store, conf, f);
}

static void
route_facts_free(struct route_facts *f)
{
	if (f->have_report)
		store_report_free(&f->report);
	memset(f, 0, sizeof(*f));
}

int
route_handle_next(struct store *store, const struct conf *conf, int64_t now)
{
	struct store_msg msg;
	struct route_facts facts;
	struct route_plan plan;
	int found;

	memset(&facts, 0, sizeof(facts));
	if (store_begin(store) < 0)
		return -1;
	memset(&msg, 0, sizeof(msg));
	if ((found = store_msg_next(store, &msg)) <= 0) {
		store_rollback(store);
		return found;
	}
	if (route_gather(store, conf, &msg, now, &facts) < 0)
		goto fail;
	route_decide(conf, &facts, &plan);
	if (route_apply(store, conf, &msg, &facts, &plan, now) < 0 ||
	    store_commit(store) < 0)
		goto fail;
	sodium_memzero(&plan, sizeof(plan));    /* it held a PIN */
	route_facts_free(&facts);
	store_msg_free(&msg);
	return 1;
fail:
	store_rollback(store);
	sodium_memzero(&plan, sizeof(plan));
	route_facts_free(&facts);
	store_msg_free(&msg);
	return -1;
}
