/*
 * web_html: the page buffer, escaping, forms, cookies and the Host header.
 *
 * Pages are written into a web_buf. Constant markup goes in with wb_raw();
 * anything that came from outside (a report's text, a caseworker's name,
 * a query value) goes in only through wb_text(), which escapes for HTML
 * text and quoted attributes alike. Numbers go through wb_printf() with
 * integer conversions only; no %s of outside data is ever printed raw.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <unistr.h>

#include "day.h"
#include "web.h"

static int
wb_grow(struct web_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
wb_rawn(struct web_buf *b, const char *s, size_t n)
{
	if (wb_grow(b, n) == -1)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
wb_raw(struct web_buf *b, const char *s)
{
	wb_rawn(b, s, strlen(s));
}

void
wb_printf(struct web_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || wb_grow(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
wb_text(struct web_buf *b, const char *s)
{
	const uint8_t *p = (const uint8_t *)s, *end;
	ucs4_t uc;
	int n;

	if (s == NULL)
		return;
	end = p + strlen(s);
	while (p < end) {
		n = u8_mbtoucr(&uc, p, (size_t)(end - p));
		if (n < 0) {
			wb_raw(b, "\xef\xbf\xbd");      /* U+FFFD */
			p++;
			continue;
		}
		switch (uc) {
		case '&': wb_raw(b, "&amp;"); break;
		case '<': wb_raw(b, "&lt;"); break;
		case '>': wb_raw(b, "&gt;"); break;
		case '"': wb_raw(b, "&quot;"); break;
		case '\'': wb_raw(b, "&#39;"); break;
		default:
			if ((uc < 0x20 && uc != '\n' && uc != '\t') ||
			    uc == 0x7f)
				break;
			wb_rawn(b, (const char *)p, (size_t)n);
		}
		p += n;
	}
}

void
wb_free(struct web_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
web_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of s ('+' is a space, %XX a byte) into a new string.
 * Returns NULL on a bad escape, a NUL byte or no memory. */
static char *
web_unescape(const char *s, size_t n)
{
	char *out, *o;
	size_t i;
	int hi, lo;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] != '%')
			*o++ = s[i];
		else if (i + 2 < n &&
		    (hi = web_hex((unsigned char)s[i + 1])) >= 0 &&
		    (lo = web_hex((unsigned char)s[i + 2])) >= 0 &&
		    (hi | lo) != 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

int
web_form_parse(struct web_form *f, const char *body, size_t len)
{
	const char *p = body, *end = body + len, *amp, *eq;

	memset(f, 0, sizeof(*f));
	if (memchr(body, '\0', len) != NULL)
		return -1;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (f->n == WEB_FORM_MAX)
			return -1;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		f->name[f->n] = web_unescape(p, (size_t)(eq - p));
		f->value[f->n] = web_unescape(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0);
		if (f->name[f->n] == NULL || f->value[f->n] == NULL) {
			free(f->name[f->n]);
			free(f->value[f->n]);
			f->name[f->n] = f->value[f->n] = NULL;
			return -1;
		}
		f->n++;
		p = amp + 1;
	}
	return 0;
}

const char *
web_form_get(const struct web_form *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

void
web_form_free(struct web_form *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		/* Passwords and passphrases pass through here. */
		explicit_bzero(f->value[i], strlen(f->value[i]));
		free(f->name[i]);
		free(f->value[i]);
	}
	memset(f, 0, sizeof(*f));
}

int
web_cookie(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), vlen;
	const char *p = header;

	if (header == NULL || outlen == 0)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		vlen = strcspn(p, ";");
		if (vlen > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			vlen -= nlen + 1;
			if (vlen >= outlen)
				return 0;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 1;
		}
		p += vlen;
	}
	return 0;
}

/* The zone of tm as people read it: its abbreviation when it has letters
 * ("UTC", "CET"), else the offset from UTC ("UTC+08", "UTC+05:30"), which
 * is what tzdata gives Ulaanbaatar ("+08"). */
static void
web_zone_of(const struct tm *tm, char *out, size_t outlen)
{
	long off = tm->tm_gmtoff, h, m;

	if (tm->tm_zone != NULL && ((tm->tm_zone[0] >= 'A' &&
	    tm->tm_zone[0] <= 'Z') || (tm->tm_zone[0] >= 'a' &&
	    tm->tm_zone[0] <= 'z'))) {
		snprintf(out, outlen, "%s", tm->tm_zone);
		return;
	}
	h = (off < 0 ? -off : off) / 3600;
	m = (off < 0 ? -off : off) % 3600 / 60;
	if (off == 0)
		snprintf(out, outlen, "UTC");
	else if (m == 0)
		snprintf(out, outlen, "UTC%c%02ld", off < 0 ? '-' : '+', h);
	else
		snprintf(out, outlen, "UTC%c%02ld:%02ld", off < 0 ? '-' : '+',
		    h, m);
}

const char *
web_zone(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		snprintf(out, outlen, "?");
	else
		web_zone_of(&tm, out, outlen);
	return out;
}

const char *
web_time(int64_t t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char zone[24];
	size_t n;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    (n = strftime(out, outlen, "%Y-%m-%d %H:%M", &tm)) == 0) {
		snprintf(out, outlen, "-");
		return out;
	}
	web_zone_of(&tm, zone, sizeof(zone));
	snprintf(out + n, outlen - n, " %s", zone);
	return out;
}

const char *
web_today(char *out, size_t outlen)
{
	return day_format((int64_t)time(NULL), out, outlen);
}

/*
 * The name part of a Host header (without brackets or port) into out.
 * Returns 0, or -1 when it is malformed: empty, a port that is not a
 * number, an unclosed bracket, more than one colon outside brackets.
 */
static int
web_host_name(const char *host, char *out, size_t outlen)
{
	const char *end, *port = NULL;
	size_t n;

	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL)
			return -1;
		host++;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		end = strchr(host, ':');
		if (end != NULL) {
			port = end + 1;
			if (strchr(port, ':') != NULL)
				return -1;
		} else
			end = host + strlen(host);
	}
	if (port != NULL && (port[0] == '\0' ||
	    strspn(port, "0123456789") != strlen(port) || strlen(port) > 5))
		return -1;
	n = (size_t)(end - host);
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, host, n);
	out[n] = '\0';
	return 0;
}

/* The numeric form of a local address into out, an IPv4-mapped IPv6
 * address as the IPv4 one; *loopback set when it is loopback. */
static int
web_host_local(const struct sockaddr *local, char *out, size_t outlen,
    int *loopback)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)local;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)local;
	struct in_addr v4;

	*loopback = 0;
	if (local->sa_family == AF_INET) {
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
		return inet_ntop(AF_INET, &s4->sin_addr, out,
		    (socklen_t)outlen) != NULL ? 0 : -1;
	}
	if (local->sa_family != AF_INET6)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(&v4, s6->sin6_addr.s6_addr + 12, 4);
		*loopback = (ntohl(v4.s_addr) >> 24) == 127;
		return inet_ntop(AF_INET, &v4, out, (socklen_t)outlen) !=
		    NULL ? 0 : -1;
	}
	*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	return inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)outlen) !=
	    NULL ? 0 : -1;
}

int
web_host_ok(const char *host, char *const *names, size_t nnames,
    const struct sockaddr *local)
{
	char name[256], addr[INET6_ADDRSTRLEN];
	int loopback;
	size_t i;

	if (host == NULL)
		return 1;
	if (web_host_name(host, name, sizeof(name)) == -1)
		return 0;
	for (i = 0; i < nnames; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	if (local == NULL || web_host_local(local, addr, sizeof(addr),
	    &loopback) == -1)
		return 0;
	return strcasecmp(name, addr) == 0 ||
	    (loopback && strcasecmp(name, "localhost") == 0);
}
