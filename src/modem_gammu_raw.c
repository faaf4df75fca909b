/*
 * modem_gammu_raw: records libgammu cannot decode, and what libgammu keeps
 * to itself, through our own AT commands (modem_at.h) on its descriptor.
 *
 * A record libgammu cannot decode costs only itself. GSM_GetNextSMS names
 * it (multi->SMS[0].Location is set before the decoding) and, called again
 * with start FALSE, goes on after it. Where libgammu talks over a serial
 * descriptor of its own (m->fd), one AT+CMGL=4 of our own per read gives
 * every record's PDU (one AT+CMGR per record cost a round trip each, and
 * during a burst the SIM fills meanwhile): a record libgammu could not
 * decode is passed on raw and malformed, to be stored and then removed
 * like any other; the same PDU shows us TP-PID (which libgammu keeps to
 * itself: a "type 0" SMS is a probe) and lets pdu.c refuse records whose
 * lengths do not fit even where libgammu accepted them. libgammu will not
 * delete a record its own re-read refuses: remove() then checks the record
 * is still the one stored and deletes it with our own AT+CMGD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gammu.h>

#include "modem_at.h"
#include "modem_gammu_int.h"
#include "pdu.h"
#include "text.h"

/* 1 when e is what libgammu says of a record it could not decode, not of
 * a modem or a line that failed. */
int
modem_gammu_is_record_error(GSM_Error e)
{
	return e == ERR_CORRUPTED || e == ERR_UNKNOWN ||
	    e == ERR_NOTSUPPORTED || e == ERR_UNKNOWNRESPONSE;
}

/*
 * Our own command cmd on libgammu's descriptor (see modem_at.h); with cb,
 * a listing whose records go to cb (modem_at_list). A modem that did not
 * answer kills the handle, as the watchdog does: the line's state is
 * unknown, only a reopen makes it sure; so does one that restarted
 * meanwhile (its boot lines: see modem_gammu_restarted()). A notice of a
 * new message seen meanwhile is kept for wait(). Returns an enum
 * modem_at_result; err is filled unless MODEM_AT_OK.
 */
static int
modem_gammu_exchange(struct modem_gammu *m, const char *cmd,
    modem_at_record_cb cb, struct modem_at_reply *rep, char *err,
    size_t errlen)
{
	int r;

	if (modem_gammu_dead(m)) {
		memset(rep, 0, sizeof(*rep));
		modem_gammu_err(err, errlen, "modem timed out earlier: reopen");
		return MODEM_AT_FAILED;
	}
	r = cb != NULL ? modem_at_list(m->fd, cmd, m->timeout * 1000, cb, m,
	    rep) : modem_at_command(m->fd, cmd, m->timeout * 1000, rep);
	modem_gammu_note(m, rep);
	if (m->boot_at != 0) {
		(void)modem_gammu_restarted(m, err, errlen);
		return MODEM_AT_FAILED;
	}
	if (r == MODEM_AT_FAILED) {
		modem_gammu_kill(m);
		modem_gammu_err(err, errlen, "%.16s: the modem did not answer "
		    "in time", cmd);
	} else if (r == MODEM_AT_REFUSED)
		modem_gammu_err(err, errlen, "%.16s: the modem answered %s",
		    cmd, rep->final);
	return r;
}

/* One command: modem_gammu_exchange() without a listing. */
int
modem_gammu_at(struct modem_gammu *m, const char *cmd,
    struct modem_at_reply *rep, char *err, size_t errlen)
{
	return modem_gammu_exchange(m, cmd, NULL, rep, err, errlen);
}

/* A read begins: its first fetch lists the memory once. */
void
modem_gammu_list_start(struct modem_gammu *m)
{
	m->nlisted = 0;
	m->listing = 0;
}

/* A read ended: fetches outside one (remove_raw) ask the record itself. */
void
modem_gammu_list_end(struct modem_gammu *m)
{
	m->nlisted = 0;
	m->listing = 2;
}

/* modem_at_record_cb: keeps one listed record (dropped when out of
 * memory: its fetch then finds an empty slot, and the next read tries). */
static void
modem_gammu_keep(void *arg, int index, int stat, const char *pdu)
{
	struct modem_gammu *m = arg;
	struct modem_gammu_listed *grown;
	size_t cap;

	if (m->nlisted == m->listed_cap) {
		cap = m->listed_cap ? 2 * m->listed_cap : 32;
		if (cap > MODEM_GAMMU_SEEN_MAX ||
		    (grown = realloc(m->listed, cap * sizeof(*grown))) == NULL)
			return;
		m->listed = grown;
		m->listed_cap = cap;
	}
	m->listed[m->nlisted].index = index;
	m->listed[m->nlisted].stat = stat;
	snprintf(m->listed[m->nlisted].pdu, sizeof(m->listed[0].pdu), "%s",
	    pdu);
	m->nlisted++;
}

/*
 * The record at index as our own listing has it, into rep (stat, pdu;
 * pdu "" when the listing did not name it: an empty slot). The listing
 * is made at the first fetch of a read: libgammu's own listing has just
 * selected the memory, and nothing is deleted before the read ends.
 * Returns an enum modem_at_result; MODEM_AT_REFUSED when the modem
 * refused the listing (then each record is asked for on its own).
 */
static int
modem_gammu_listed(struct modem_gammu *m, int index,
    struct modem_at_reply *rep, char *err, size_t errlen)
{
	size_t i;
	int r;

	if (m->listing == 0) {
		r = modem_gammu_exchange(m, "AT+CMGL=4", modem_gammu_keep, rep,
		    err, errlen);
		if (r == MODEM_AT_FAILED)
			return r;
		m->listing = r == MODEM_AT_OK ? 1 : -1;
		if (r != MODEM_AT_OK)
			return r;
	}
	memset(rep, 0, sizeof(*rep));
	rep->stat = -1;
	snprintf(rep->final, sizeof(rep->final), "OK");
	for (i = 0; i < m->nlisted; i++)
		if (m->listed[i].index == index) {
			rep->stat = m->listed[i].stat;
			snprintf(rep->pdu, sizeof(rep->pdu), "%s",
			    m->listed[i].pdu);
			break;
		}
	return MODEM_AT_OK;
}

/*
 * The record at a flat location (libgammu numbers a second memory's
 * records from GSM_PHONE_MAXSMSINFOLDER on; the memory is the one libgammu
 * selected last, which is the record's while read() or GSM_DeleteSMS()
 * has just been at it): from the read's one listing during a read, else
 * by AT+CMGR. Returns an enum modem_at_result; rep->pdu is "" when the
 * slot is empty.
 */
static int
modem_gammu_fetch(struct modem_gammu *m, int location,
    struct modem_at_reply *rep, char *err, size_t errlen)
{
	char cmd[32];
	int index = location % GSM_PHONE_MAXSMSINFOLDER, r;

	if (m->listing == 0 || m->listing == 1) {
		r = modem_gammu_listed(m, index, rep, err, errlen);
		if (r != MODEM_AT_REFUSED)
			return r;
	}
	snprintf(cmd, sizeof(cmd), "AT+CMGR=%d", index);
	return modem_gammu_at(m, cmd, rep, err, errlen);
}

/* Fills out as a raw record at location: its PDU in upper-case hex, and
 * the sender and timestamp when the lenient reader reached them. */
static void
modem_gammu_raw(const char *pdu_hex, int location, struct modem_sms *out)
{
	struct pdu_deliver d;
	size_t i;

	memset(out, 0, sizeof(*out));
	(void)pdu_read_deliver(pdu_hex, &d);
	out->location = location;
	text_utf8_copy(out->sender, sizeof(out->sender), d.sender);
	out->sent_at = d.sent_at;
	out->part_no = out->part_count = 1;
	for (i = 0; pdu_hex[i] != '\0' && i + 1 < sizeof(out->text); i++)
		out->text[i] = pdu_hex[i] >= 'a' && pdu_hex[i] <= 'z' ?
		    (char)(pdu_hex[i] - 'a' + 'A') : pdu_hex[i];
	out->text[i] = '\0';
	out->coding = 2;                /* the bytes, as hex */
	out->malformed = 1;
	out->raw = 1;
}

/* 1 when the unfetchable record at location was passed on before (and
 * remembers it now when it was not). */
static int
modem_gammu_skip_seen(struct modem_gammu *m, int location)
{
	int i;

	for (i = 0; i < m->nskipped; i++)
		if (m->skipped[i] == location)
			return 1;
	if (m->nskipped < MODEM_GAMMU_SKIP_MAX)
		m->skipped[m->nskipped++] = location;
	return 0;
}

/*
 * The record at location that libgammu could not decode, into out: fetched
 * raw where we have the line. A record the host filed to send (stat 2 or
 * 3) is skipped, as convert() skips those libgammu decodes. Without a line
 * of our own it is passed without its PDU, once per handle, and stays on
 * the SIM. Returns 1 when out is to be passed on, 0 to skip it (also when
 * the slot is empty or the modem refused: the next read tries again), -1
 * and err when the modem failed.
 */
int
modem_gammu_bad_record(struct modem_gammu *m, int location,
    struct modem_sms *out, char *err, size_t errlen)
{
	struct modem_at_reply rep;
	int r;

	if (m->fd < 0) {
		if (modem_gammu_skip_seen(m, location))
			return 0;
		memset(out, 0, sizeof(*out));
		out->location = location;
		out->part_no = out->part_count = 1;
		out->malformed = out->raw = 1;
		return 1;
	}
	if ((r = modem_gammu_fetch(m, location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r != MODEM_AT_OK || rep.pdu[0] == '\0' || rep.stat > 1)
		return 0;
	modem_gammu_raw(rep.pdu, location, out);
	return 1;
}

/*
 * What libgammu decoded, checked against the record's own bytes where we
 * have the line: a record whose lengths do not fit its data (libgammu
 * accepts some, reading past the record) becomes raw; a "type 0" SMS is
 * marked a probe. A record the fetch does not show as hex keeps libgammu's
 * reading. Returns 0, or -1 and err when the modem failed.
 */
int
modem_gammu_check(struct modem_gammu *m, struct modem_sms *sms, char *err,
    size_t errlen)
{
	struct modem_at_reply rep;
	struct pdu_deliver d;
	enum pdu_status st;
	int r;

	if (m->fd < 0 || sms->status_report)
		return 0;
	if ((r = modem_gammu_fetch(m, sms->location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r != MODEM_AT_OK || rep.pdu[0] == '\0')
		return 0;
	st = pdu_read_deliver(rep.pdu, &d);
	if (st != PDU_OK && st != PDU_ERR_HEX) {
		modem_gammu_raw(rep.pdu, sms->location, sms);
		return 0;
	}
	if (st == PDU_OK && d.pid == PDU_PID_TYPE0) {
		sms->probe = 1;
		sms->concat_ref = 0;
		sms->part_no = sms->part_count = 1;
	}
	return 0;
}

/*
 * Deletes a raw record that libgammu would not (its re-read failed, after
 * it had selected the record's memory): our own AT+CMGR first, and
 * AT+CMGD only while the record there is still the one read, so that
 * nothing is deleted that was not stored. An empty slot counts as
 * deleted. 0; -2 and err when the record changed or the modem refused;
 * -1 and err when the modem failed.
 */
int
modem_gammu_remove_raw(struct modem_gammu *m, const struct modem_sms *sms,
    char *err, size_t errlen)
{
	struct modem_at_reply rep;
	char cmd[32];
	int r;

	if ((r = modem_gammu_fetch(m, sms->location, &rep, err, errlen)) ==
	    MODEM_AT_FAILED)
		return -1;
	if (r == MODEM_AT_OK && rep.pdu[0] == '\0')
		return 0;
	if (r == MODEM_AT_OK && strcasecmp(rep.pdu, sms->text) != 0)
		modem_gammu_err(err, errlen, "deleting SMS: the record there "
		    "is no longer the one read");
	if (r != MODEM_AT_OK || strcasecmp(rep.pdu, sms->text) != 0)
		return -2;
	snprintf(cmd, sizeof(cmd), "AT+CMGD=%d",
	    sms->location % GSM_PHONE_MAXSMSINFOLDER);
	r = modem_gammu_at(m, cmd, &rep, err, errlen);
	return r == MODEM_AT_OK ? 0 : r == MODEM_AT_REFUSED ? -2 : -1;
}
