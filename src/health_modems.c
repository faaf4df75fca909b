/*
 * health_modems: the health conditions of a gateway with several modems
 * (include/health.h): which conditions are a modem's, their names per
 * modem, and the alert text that names the modem.
 */
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "text.h"

int
health_of_modem(enum health_cond c)
{
	return c == HEALTH_CREDIT || c == HEALTH_MODEM ||
	    c == HEALTH_SIM_FULL || c == HEALTH_SENDS;
}

size_t
health_cond_name(enum health_cond c, const char *modem, char *out,
    size_t outlen)
{
	int n;

	if (outlen == 0)
		return 0;
	if (modem != NULL && health_of_modem(c))
		n = snprintf(out, outlen, "%s:%s", health_name(c), modem);
	else
		n = snprintf(out, outlen, "%s", health_name(c));
	return n < 0 ? 0 : (size_t)n < outlen ? (size_t)n : outlen - 1;
}

size_t
health_text_modem(enum health_cond c, enum health_alert a, enum lang lang,
    const char *modem, const char *detail, char *out, size_t outlen)
{
	static const char lead[] = "shukher:";
	char text[512], head[64];
	size_t n;

	(void)health_text(c, a, lang, detail, text, sizeof(text));
	if (modem == NULL || !health_of_modem(c) ||
	    strncmp(text, lead, sizeof(lead) - 1) != 0)
		return text_utf8_copy(out, outlen, text);
	if (outlen == 0)
		return 0;
	/* "shukher: ..." becomes "shukher unitel: ..." */
	snprintf(head, sizeof(head), "shukher %s:", modem);
	n = text_utf8_copy(out, outlen, head);
	return n + text_utf8_copy(out + n, outlen - n,
	    text + sizeof(lead) - 1);
}
