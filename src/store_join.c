/*
 * store_join: the text of a long message from the data of its parts (see
 * store_inbox.c, which reads the parts and stores the message). No SQL:
 * decoding only, kept apart so that the inbox's file holds its tables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "sms.h"
#include "store.h"
#include "store_int.h"

static int
store_buf_add(struct store_buf *b, const char *s)
{
	size_t n = strlen(s);
	char *p;

	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
	return 0;
}

/* The hex of len bytes into out (2 * len + 1 bytes), as the modem writes
 * what it cannot read. */
static void
store_hex(char *out, const unsigned char *b, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* Appends the text of len bytes of coding: UCS-2 decoded; 8-bit decoded
 * when it reads as text, else its hex, and *malformed set. 0 or -1. */
static int
store_buf_decode(struct store_buf *b, int coding, const unsigned char *data,
    size_t len, int *malformed)
{
	char *s;
	int rc;

	if ((s = malloc(SMS_TEXT_MAX(len))) == NULL)
		return -1;
	if (coding == STORE_CODING_UCS2)
		sms_text_utf16(data, len, s);
	else if (!sms_text_8bit(data, len, s)) {
		store_hex(s, data, len);
		*malformed = 1;
	}
	rc = store_buf_add(b, s);
	free(s);
	return rc;
}

/*
 * The text of a message made of the n pieces (in part order) into b, and
 * in *malformed whether some of it could not be decoded. The data of
 * adjacent parts of one coding is joined, then decoded; a missing part
 * ends the run, so that no character is made of two halves that were
 * never next to each other. Returns 0, or -1 when out of memory.
 */
int
store_join_text(const struct store_piece *p, int n, struct store_buf *b,
    int *malformed)
{
	unsigned char *run;
	size_t len;
	int i, j, k, rc = 0;

	if (store_buf_add(b, "") == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i = j) {
		if (p[i].data == NULL) {
			*malformed |= p[i].malformed != 0;
			rc = store_buf_add(b, p[i].text);
			j = i + 1;
			continue;
		}
		len = 0;
		for (j = i; j < n && p[j].data != NULL &&
		    p[j].coding == p[i].coding && p[j].no == p[i].no + (j - i);
		    j++)
			len += p[j].len;
		if ((run = malloc(len + 1)) == NULL)
			return -1;
		for (len = 0, k = i; k < j; k++) {
			memcpy(run + len, p[k].data, p[k].len);
			len += p[k].len;
		}
		rc = store_buf_decode(b, p[i].coding, run, len, malformed);
		free(run);
	}
	return rc;
}

/*
 * The data of a part stored before schema 7, which kept only its text:
 * UTF-8 as decoded then (read back into UTF-16 units or bytes), or the hex
 * of the data when it was malformed; so that it joins with the parts that
 * come after an upgrade. A GSM-7 part, or a text that does not read back,
 * stays text. 0, or -1 when out of memory.
 */
int
store_piece_legacy(struct store_piece *p)
{
	size_t n = strlen(p->text), len, i;
	unsigned char *data;
	const char *end;
	uint16_t *u;

	if (p->coding != STORE_CODING_UCS2 && p->coding != STORE_CODING_8BIT)
		return 0;
	if (p->malformed) {
		if (n % 2 != 0)
			return 0;
		if ((data = malloc(n / 2 + 1)) == NULL)
			return -1;
		if (sodium_hex2bin(data, n / 2, p->text, n, NULL, &len,
		    &end) != 0 || end != p->text + n) {
			free(data);
			return 0;
		}
	} else if (p->coding == STORE_CODING_UCS2) {
		if ((u = u8_to_u16((const uint8_t *)p->text, n, NULL,
		    &len)) == NULL)
			return errno == ENOMEM ? -1 : 0;
		if ((data = malloc(2 * len + 1)) == NULL) {
			free(u);
			return -1;
		}
		for (i = 0; i < len; i++) {
			data[2 * i] = (unsigned char)(u[i] >> 8);
			data[2 * i + 1] = (unsigned char)(u[i] & 0xff);
		}
		free(u);
		len *= 2;
	} else {
		if ((data = malloc(n + 1)) == NULL)
			return -1;
		memcpy(data, p->text, n);
		len = n;
	}
	p->data = data;
	p->len = len;
	return 0;
}
