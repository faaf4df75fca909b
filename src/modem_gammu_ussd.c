/*
 * modem_gammu_ussd: USSD requests (a prepaid SIM's balance, "*211#")
 * through libgammu's AT driver.
 *
 * A network answers a USSD request seconds later, in an unsolicited
 * "+CUSD:" line; libgammu passes it to the incoming-USSD callback from
 * whichever call is reading the device at the time. So ussd() only sends
 * the request (GSM_DialService waits for the command's OK, under the
 * watchdog like every call) and returns, and the gateway asks
 * ussd_answer() on later passes: the message path never waits for the
 * network. libgammu calls the callback only once incoming USSD has been
 * enabled (AT+CUSD=1), which ussd() does on a handle's first request;
 * InitConnection clears callbacks, so it is set here, never before open.
 *
 * The answer's text is kept as UTF-8 in the handle; it is never logged
 * here (it may hold numbers beyond the amount).
 */
#include <stdio.h>
#include <string.h>

#include <gammu.h>

#include "modem.h"
#include "modem_gammu_int.h"
#include "text.h"

/* libgammu's callback: the answer (or the network's refusal). */
static void
modem_gammu_on_ussd(GSM_StateMachine *sm, GSM_USSDMessage *ussd, void *arg)
{
	struct modem_gammu *m = arg;

	(void)sm;
	m->ussd_until = 0;
	m->ussd_text[0] = '\0';
	if (ussd->Status == USSD_NotSupported || ussd->Status == USSD_Timeout) {
		m->ussd_state = -2;
		snprintf(m->ussd_text, sizeof(m->ussd_text), "%s",
		    ussd->Status == USSD_Timeout ? "the network timed out" :
		    "the network does not support the request");
		return;
	}
	if (modem_gammu_from_unicode(m->ussd_text, sizeof(m->ussd_text),
	    ussd->Text, sizeof(ussd->Text)) != 0 || m->ussd_text[0] == '\0') {
		m->ussd_state = -2;
		snprintf(m->ussd_text, sizeof(m->ussd_text), "the network "
		    "answered without text (status %d)", (int)ussd->Status);
		return;
	}
	m->ussd_state = 1;
}

/*
 * libgammu decodes a GSM-7 answer by the character set it last set on the
 * modem, not the one the request was made in: a call that switches it
 * between the request and the answer (reading the SMSC before the first
 * send sets "HEX") turns the answer into garbage. Reading the SMSC, which
 * send() needs once per handle anyway, before the request keeps the first
 * send of a handle from doing so; the gateway holds its periodic info()
 * while an answer is awaited. 0, or -1 when the watchdog cut it short.
 */
static int
modem_gammu_ussd_smsc(struct modem_gammu *m)
{
	if (m->have_smsc)
		return 0;
	memset(&m->smsc, 0, sizeof(m->smsc));
	m->smsc.Location = 1;
	m->have_smsc = GSM_GetSMSC(m->sm, &m->smsc) == ERR_NONE;
	return modem_gammu_dead(m) ? -1 : 0;
}

/* -1 for what says the modem failed (the caller reopens), else -2. */
static int
modem_gammu_ussd_rc(GSM_Error e)
{
	switch (e) {
	case ERR_TIMEOUT:
	case ERR_DEVICEREADERROR:
	case ERR_DEVICEWRITEERROR:
	case ERR_DEVICENOTEXIST:
	case ERR_DEVICEOPENERROR:
	case ERR_ABORTED:
		return -1;
	default:
		return -2;
	}
}

/*
 * Sends the request code; see struct modem_ops. The first request on a
 * handle enables incoming USSD first (a modem that refuses that refuses
 * the request: -2).
 */
int
modem_gammu_ussd(void *modem, const char *code, char *err, size_t errlen)
{
	struct modem_gammu *m = modem;
	char number[64];
	GSM_Error e = ERR_NONE;

	if (code == NULL || code[0] == '\0' || strlen(code) >= sizeof(number)) {
		modem_gammu_err(err, errlen, "USSD: no code, or too long");
		return -2;
	}
	snprintf(number, sizeof(number), "%s", code);
	m->ussd_state = 0;
	m->ussd_text[0] = '\0';
	if (modem_gammu_arm(m, 3 * m->timeout, err, errlen) == -1)
		return -1;
	if (modem_gammu_ussd_smsc(m) == -1)
		e = ERR_ABORTED;
	else if (!m->ussd_on) {
		GSM_SetIncomingUSSDCallback(m->sm, modem_gammu_on_ussd, m);
		if ((e = GSM_SetIncomingUSSD(m->sm, TRUE)) == ERR_NONE)
			m->ussd_on = 1;
	}
	if (e == ERR_NONE)
		e = GSM_DialService(m->sm, number);
	if (modem_gammu_disarm(m, err, errlen) == -1)
		return -1;
	/* as long as the gateway waits for it (gateway_health.c): an answer
	 * later than that is not collected */
	if (e == ERR_NONE && m->ussd_state == 0)
		m->ussd_until = modem_gammu_now_ms() + 1000 * (int64_t)m->timeout;
	if (e != ERR_NONE) {
		modem_gammu_gerr(err, errlen, m->ussd_on ? "USSD request" :
		    "enabling USSD", e);
		return modem_gammu_ussd_rc(e);
	}
	return 0;
}

/* The answer the callback kept, once; see struct modem_ops. */
int
modem_gammu_ussd_answer(void *modem, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct modem_gammu *m = modem;
	int state = m->ussd_state;

	if (state == 0)
		return 0;
	m->ussd_state = 0;
	if (state < 0) {
		modem_gammu_err(err, errlen, "USSD: %s", m->ussd_text);
		return -2;
	}
	if (out != NULL && outlen > 0)
		text_utf8_copy(out, outlen, m->ussd_text);
	return 1;
}
