/*
 * pdu: a lenient reader of SMS-DELIVER records (see pdu.h).
 *
 * The layout (23.040 9.2.2.1), after the SMSC field a modem puts first
 * (27.005 3.1): first octet (TP-MTI, TP-UDHI), TP-OA (length in digits,
 * type, semi-octets), TP-PID, TP-DCS, TP-SCTS (7 octets), TP-UDL, then
 * TP-UD, whose first octet is the header's length when TP-UDHI is set.
 * TP-UDL counts septets when TP-DCS says GSM-7 without compression (as
 * libgammu reads TP-DCS: GSM_GetMessageCoding), octets otherwise.
 */
#include <string.h>
#include <time.h>

#include <unistr.h>

#include "pdu.h"
#include "sms.h"

#define PDU_ADDR_DIGITS_MAX 20   /* 10 octets of semi-octets (9.1.2.5) */
#define PDU_UDL_SEPTETS_MAX 160
#define PDU_UDL_OCTETS_MAX  140

const char *
pdu_status_text(enum pdu_status s)
{
	switch (s) {
	case PDU_OK:
		return "well-formed";
	case PDU_ERR_HEX:
		return "not a hex record";
	case PDU_ERR_SMSC:
		return "SMSC field past the record";
	case PDU_ERR_TYPE:
		return "reserved or unexpected message type";
	case PDU_ERR_ADDRESS:
		return "sender address length past the record";
	case PDU_ERR_TRUNCATED:
		return "record truncated before the user data";
	case PDU_ERR_UDL:
		return "user data length past the record";
	case PDU_ERR_UDH:
		return "user data header length past the user data";
	case PDU_ERR_TRAILING:
		return "data after the user data";
	}
	return "unknown";
}

static int
pdu_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of hex into b (PDU_BYTES_MAX). Their count, or -1. */
static int
pdu_unhex(const char *hex, unsigned char *b)
{
	size_t i, n = strlen(hex);
	int hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > PDU_BYTES_MAX)
		return -1;
	for (i = 0; i < n; i += 2) {
		if ((hi = pdu_nibble(hex[i])) < 0 ||
		    (lo = pdu_nibble(hex[i + 1])) < 0)
			return -1;
		b[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* Appends code point c as UTF-8 to out (outlen bytes), if it fits. */
static void
pdu_put_utf8(char *out, size_t outlen, size_t *n, uint32_t c)
{
	uint8_t u[6];
	int k;

	if ((k = u8_uctomb(u, c, (int)sizeof(u))) < 1 ||
	    *n + (size_t)k >= outlen)
		return;
	memcpy(out + *n, u, (size_t)k);
	*n += (size_t)k;
	out[*n] = '\0';
}

/* An alphanumeric address: nsemi semi-octets of packed GSM-7 at b. */
static void
pdu_alnum(const unsigned char *b, int nsemi, char *out, size_t outlen)
{
	int i, septets = nsemi * 4 / 7, bit;
	unsigned int s;
	uint32_t c;
	size_t n = 0;

	out[0] = '\0';
	for (i = 0; i < septets; i++) {
		bit = i * 7;
		s = b[bit / 8] >> (bit % 8);
		if (bit % 8 > 1)
			s |= (unsigned int)b[bit / 8 + 1] << (8 - bit % 8);
		/* The escape, CR and LF read as a space: a sender is a
		 * name, never a layout. */
		c = sms_gsm7_char(s & 0x7f);
		pdu_put_utf8(out, outlen, &n, c < 0x20 ? 0x20 : c);
	}
}

/* A numeric address: ndigits semi-octets at b, "+" first when the type
 * of number is international. */
static void
pdu_digits(const unsigned char *b, int ndigits, int toa, char *out,
    size_t outlen)
{
	static const char sym[] = "0123456789*#abc";
	size_t n = 0;
	int i, d;

	if ((toa & 0x70) == 0x10 && outlen > 1)
		out[n++] = '+';
	for (i = 0; i < ndigits && n + 1 < outlen; i++) {
		d = i % 2 ? b[i / 2] >> 4 : b[i / 2] & 0x0f;
		if (d == 0x0f)
			break;
		out[n++] = sym[d];
	}
	out[n] = '\0';
}

/* TP-SCTS (swapped BCD, the zone in quarters of an hour) as Unix
 * seconds; 0 when a field is not a date. */
static int64_t
pdu_scts(const unsigned char *b)
{
	struct tm tm;
	time_t t;
	int v[6], i, q;

	for (i = 0; i < 6; i++) {
		if ((b[i] & 0x0f) > 9 || (b[i] >> 4) > 9)
			return 0;
		v[i] = (b[i] & 0x0f) * 10 + (b[i] >> 4);
	}
	q = (b[6] & 0x07) * 10 + (b[6] >> 4);
	if (b[6] & 0x08)
		q = -q;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 59)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 100 + v[0];
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if ((t = timegm(&tm)) == (time_t)-1)
		return 0;
	return (int64_t)t - q * 900;
}

/* 1 when TP-UDL counts septets: GSM-7 without compression, as libgammu
 * (GSM_GetMessageCoding) reads TP-DCS. */
static int
pdu_septets(int dcs)
{
	if ((dcs & 0x80) == 0)          /* 0xxx: general data coding */
		return (dcs & 0x0c) == 0x0c ? 0 : (dcs & 0x2c) == 0;
	if ((dcs & 0xf0) < 0xc0)        /* 1000..1011: reserved */
		return 0;
	if ((dcs & 0xf0) <= 0xd0)       /* message waiting, GSM-7 */
		return (dcs & 0x04) == 0;
	if ((dcs & 0xf0) == 0xe0)       /* message waiting, UCS-2 */
		return 0;
	return (dcs & 0x0c) == 0;       /* 1111: class, GSM-7 or 8-bit */
}

/* Checks the header at ud (octets long): its length and each element's
 * fit in the user data. */
static enum pdu_status
pdu_udh(const unsigned char *ud, int octets)
{
	int end, i;

	if (octets < 1 || ud[0] + 1 > octets)
		return PDU_ERR_UDH;
	end = ud[0] + 1;
	for (i = 1; i < end; i += 2 + ud[i + 1])
		if (i + 2 > end || i + 2 + ud[i + 1] > end)
			return PDU_ERR_UDH;
	return PDU_OK;
}

/* The user data from b[pos] (len bytes in all): its length, header and
 * what follows it. */
static enum pdu_status
pdu_user_data(const unsigned char *b, int pos, int len,
    const struct pdu_deliver *d)
{
	int septets = pdu_septets(d->dcs), octets, i;

	if (d->udl > (septets ? PDU_UDL_SEPTETS_MAX : PDU_UDL_OCTETS_MAX))
		return PDU_ERR_UDL;
	octets = septets ? (d->udl * 7 + 7) / 8 : d->udl;
	if (pos + octets > len)
		return PDU_ERR_UDL;
	/* with GSM-7 the header's septets (fill bits included) count in
	 * TP-UDL: it must cover the whole header */
	if (d->udhi && (pdu_udh(b + pos, octets) != PDU_OK ||
	    (septets && (b[pos] + 1) * 8 > d->udl * 7)))
		return PDU_ERR_UDH;
	for (i = pos + octets; i < len; i++)
		if (b[i] != 0xff)       /* padding some phones add */
			return PDU_ERR_TRAILING;
	return PDU_OK;
}

/* TP-OA at b[*pos]: fills the sender and moves *pos past it. */
static enum pdu_status
pdu_address(const unsigned char *b, int *pos, int len, struct pdu_deliver *d)
{
	int ndigits, toa, nbytes;

	if (*pos + 2 > len)
		return PDU_ERR_TRUNCATED;
	ndigits = b[*pos];
	toa = b[*pos + 1];
	nbytes = (ndigits + 1) / 2;
	if (ndigits > PDU_ADDR_DIGITS_MAX || *pos + 2 + nbytes > len)
		return PDU_ERR_ADDRESS;
	if ((toa & 0x70) == 0x50)
		pdu_alnum(b + *pos + 2, ndigits, d->sender, sizeof(d->sender));
	else
		pdu_digits(b + *pos + 2, ndigits, toa, d->sender,
		    sizeof(d->sender));
	*pos += 2 + nbytes;
	return PDU_OK;
}

enum pdu_status
pdu_read_deliver(const char *hex, struct pdu_deliver *out)
{
	unsigned char b[PDU_BYTES_MAX];
	enum pdu_status st;
	int len, pos;

	memset(out, 0, sizeof(*out));
	out->mti = out->pid = out->dcs = out->udl = -1;
	if (hex == NULL || (len = pdu_unhex(hex, b)) < 0)
		return PDU_ERR_HEX;
	pos = 1 + b[0];                 /* past the SMSC field */
	if (pos >= len)
		return PDU_ERR_SMSC;
	out->mti = b[pos] & 0x03;
	out->udhi = (b[pos] & 0x40) != 0;
	if (out->mti != 0)
		return PDU_ERR_TYPE;
	pos++;
	if ((st = pdu_address(b, &pos, len, out)) != PDU_OK)
		return st;
	if (pos + 2 + 7 + 1 > len)      /* PID, DCS, SCTS, UDL */
		return PDU_ERR_TRUNCATED;
	out->pid = b[pos];
	out->dcs = b[pos + 1];
	out->sent_at = pdu_scts(b + pos + 2);
	out->udl = b[pos + 9];
	return pdu_user_data(b, pos + 10, len, out);
}
