/*
 * health: the conditions' state machine, the alerts' texts, the credit's
 * parsing and the checks the daemon shares with the self-test
 * (include/health.h).
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "conf.h"
#include "health.h"
#include "text.h"

static const char *const health_names[HEALTH_NCOND] = {
	[HEALTH_CREDIT] = "credit_low",
	[HEALTH_MODEM] = "modem_lost",
	[HEALTH_SIM_FULL] = "sim_full",
	[HEALTH_DISK] = "disk_low",
	[HEALTH_CLOCK] = "clock_wrong",
	[HEALTH_SENDS] = "sends_failing",
};

const char *
health_name(enum health_cond c)
{
	return (int)c >= 0 && c < HEALTH_NCOND ? health_names[c] : "?";
}

int
health_urgent(enum health_cond c)
{
	return c == HEALTH_MODEM || c == HEALTH_DISK || c == HEALTH_SENDS;
}

enum health_alert
health_step(struct health_state *s, int bad, int urgent, int quiet, int every,
    int64_t now)
{
	enum health_alert want = HEALTH_NONE;

	if (bad && !s->open) {
		s->open = 1;
		s->since = now;
	} else if (!bad && s->open) {
		s->open = 0;
		s->since = now;
	}
	if (s->open) {
		/* a clock set back counts as time passed */
		if (s->alerted_at == 0 || now - s->alerted_at >= every ||
		    now < s->alerted_at)
			want = s->told ? HEALTH_REMIND : HEALTH_START;
	} else if (s->told) {
		want = HEALTH_CLEAR;
	}
	if (want == HEALTH_NONE || (quiet && !urgent))
		return HEALTH_NONE;
	if (want == HEALTH_CLEAR) {
		s->told = 0;
	} else {
		s->told = 1;
		s->alerted_at = now;
	}
	return want;
}

/* The texts: [condition][0 start, 1 clear][language]; "{}" stands for the
 * detail. Short: a Cyrillic text costs UCS-2, 70 characters a part. */
static const char *const health_texts[HEALTH_NCOND][2][LANG_COUNT] = {
	[HEALTH_CREDIT] = { {
		[LANG_EN] = "shukher: SIM credit is low: {}. Top up the SIM "
		    "now, or replies will stop.",
		[LANG_MN_LATN] = "shukher: SIM-iin uldegdel baga: {}. SIM-ee "
		    "odoo tsenegleerei, ugui bol hariu ilgeehgui.",
		[LANG_MN] = "shukher: SIM-ийн үлдэгдэл бага: {}. Одоо "
		    "цэнэглэнэ үү, эс бөгөөс хариу явахгүй.",
	}, {
		[LANG_EN] = "shukher: SIM credit is fine again: {}.",
		[LANG_MN_LATN] = "shukher: SIM-iin uldegdel hangalttai "
		    "bolloo: {}.",
		[LANG_MN] = "shukher: SIM-ийн үлдэгдэл хангалттай боллоо: {}.",
	} },
	[HEALTH_MODEM] = { {
		[LANG_EN] = "shukher: the modem was lost for {}. Check its "
		    "power and USB cable, then run shukherctl selftest.",
		[LANG_MN_LATN] = "shukher: modem {} salsan. Tejeel, USB "
		    "kabeliig shalgaad shukherctl selftest ajilluulna uu.",
		[LANG_MN] = "shukher: модем {} салсан. Тэжээл, USB кабелийг "
		    "шалгаад shukherctl selftest ажиллуулна уу.",
	}, {
		[LANG_EN] = "shukher: the modem is back ({} lost).",
		[LANG_MN_LATN] = "shukher: modem dahin holbogdloo ({}).",
		[LANG_MN] = "shukher: модем дахин холбогдлоо ({}).",
	} },
	[HEALTH_SIM_FULL] = { {
		[LANG_EN] = "shukher: the SIM's SMS memory stays full ({}). "
		    "Run shukherctl selftest and read the log.",
		[LANG_MN_LATN] = "shukher: SIM-iin SMS sanah oi duursen ({}). "
		    "shukherctl selftest ajilluulj, log-iig shalgana uu.",
		[LANG_MN] = "shukher: SIM-ийн SMS санах ой дүүрсэн ({}). "
		    "shukherctl selftest ажиллуулна уу.",
	}, {
		[LANG_EN] = "shukher: the SIM's SMS memory has room again "
		    "({}).",
		[LANG_MN_LATN] = "shukher: SIM-iin sanah oid zai garlaa ({}).",
		[LANG_MN] = "shukher: SIM-ийн санах ойд зай гарлаа ({}).",
	} },
	[HEALTH_DISK] = { {
		[LANG_EN] = "shukher: the disk is almost full ({} free). Run "
		    "shukherctl purge or free space, or messages stop.",
		[LANG_MN_LATN] = "shukher: disk duurch baina ({} sul). "
		    "shukherctl purge ajilluulj zai gargana uu.",
		[LANG_MN] = "shukher: диск дүүрч байна ({} сул). shukherctl "
		    "purge ажиллуулж зай гаргана уу.",
	}, {
		[LANG_EN] = "shukher: the disk has room again ({} free).",
		[LANG_MN_LATN] = "shukher: disk-d zai garlaa ({} sul).",
		[LANG_MN] = "shukher: дискэнд зай гарлаа ({} сул).",
	} },
	[HEALTH_CLOCK] = { {
		[LANG_EN] = "shukher: the clock is wrong ({}). Run shukherctl "
		    "clock --set.",
		[LANG_MN_LATN] = "shukher: tsag buruu baina ({}). shukherctl "
		    "clock --set ajilluulna uu.",
		[LANG_MN] = "shukher: цаг буруу байна ({}). shukherctl clock "
		    "--set ажиллуулна уу.",
	}, {
		[LANG_EN] = "shukher: the clock is right again.",
		[LANG_MN_LATN] = "shukher: tsag zov bolloo.",
		[LANG_MN] = "shukher: цаг зөв боллоо.",
	} },
	[HEALTH_SENDS] = { {
		[LANG_EN] = "shukher: {} replies failed to send in a row. "
		    "Check credit and signal, run shukherctl selftest.",
		[LANG_MN_LATN] = "shukher: {} hariu daraalan ilgeegdsengui. "
		    "Uldegdel, suljeeg shalgaj shukherctl selftest "
		    "ajilluulna uu.",
		[LANG_MN] = "shukher: {} хариу дараалан илгээгдсэнгүй. "
		    "Үлдэгдэл, сүлжээг шалгаад shukherctl selftest "
		    "ажиллуулна уу.",
	}, {
		[LANG_EN] = "shukher: replies are going out again.",
		[LANG_MN_LATN] = "shukher: hariu dahin ilgeegdej baina.",
		[LANG_MN] = "shukher: хариу дахин илгээгдэж байна.",
	} },
};

static const char *const health_still[LANG_COUNT] = {
	[LANG_EN] = " (still)",
	[LANG_MN_LATN] = " (heveer)",
	[LANG_MN] = " (хэвээр)",
};

/* Appends src to out at *n, cut to outlen (at a character boundary). */
static void
health_put(char *out, size_t outlen, size_t *n, const char *src, size_t len)
{
	char part[512];

	if (*n + 1 >= outlen)
		return;
	if (len >= sizeof(part))
		len = sizeof(part) - 1;
	memcpy(part, src, len);
	part[len] = '\0';
	*n += text_utf8_copy(out + *n, outlen - *n, part);
}

size_t
health_text(enum health_cond c, enum health_alert a, enum lang lang,
    const char *detail, char *out, size_t outlen)
{
	const char *t, *mark;
	size_t n = 0;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if ((int)c < 0 || c >= HEALTH_NCOND || a == HEALTH_NONE ||
	    (int)lang < 0 || lang >= LANG_COUNT)
		return 0;
	t = health_texts[c][a == HEALTH_CLEAR][lang];
	if (detail == NULL)
		detail = "";
	while ((mark = strstr(t, "{}")) != NULL) {
		health_put(out, outlen, &n, t, (size_t)(mark - t));
		health_put(out, outlen, &n, detail, strlen(detail));
		t = mark + 2;
	}
	health_put(out, outlen, &n, t, strlen(t));
	if (a == HEALTH_REMIND && n > 0 && out[n - 1] == '.') {
		out[--n] = '\0';
		health_put(out, outlen, &n, health_still[lang],
		    strlen(health_still[lang]));
		health_put(out, outlen, &n, ".", 1);
	}
	return n;
}

int
health_credit_parse(const struct conf_balance *b, const char *answer,
    int64_t *amount)
{
	regmatch_t m[2];
	const char *p, *end;
	int64_t v = 0;
	int digits = 0;
	size_t rest;

	if (!b->compiled || answer == NULL ||
	    regexec(&b->re, answer, 2, m, 0) != 0 || m[1].rm_so < 0)
		return -1;
	p = answer + m[1].rm_so;
	end = answer + m[1].rm_eo;
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9') {
			if (++digits > 15)
				return -1;
			v = v * 10 + (*p - '0');
			continue;
		}
		if (*p == '.')
			break;          /* decimals */
		if (*p == ',') {        /* "1234,50": decimals; "1,234": not */
			rest = strspn(p + 1, "0123456789");
			if ((rest == 1 || rest == 2) && p + 1 + rest >= end)
				break;
		}
		/* a separator of thousands, a space, a currency sign */
	}
	if (digits == 0)
		return -1;
	*amount = v;
	return 0;
}

int
health_disk_free(const char *path, char *dir, size_t dirlen,
    unsigned long long *mb)
{
	struct statvfs vfs;
	char *slash;
	int rc;

	if (dirlen == 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(dir, dirlen, "%s", path);
	do {
		if ((slash = strrchr(dir, '/')) == NULL)
			snprintf(dir, dirlen, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	} while ((rc = statvfs(dir, &vfs)) == -1 && errno == ENOENT &&
	    slash != NULL && strcmp(dir, "/") != 0);
	if (rc == -1)
		return -1;
	*mb = (unsigned long long)vfs.f_bavail * vfs.f_frsize / (1024 * 1024);
	return 0;
}

int
health_clock(int64_t now, int have_net, int64_t net)
{
	int64_t off = now - net;

	if (now < HEALTH_CLOCK_MIN)
		return 2;
	if (have_net && (off > HEALTH_CLOCK_DRIFT || off < -HEALTH_CLOCK_DRIFT))
		return 1;
	return 0;
}
