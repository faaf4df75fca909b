/*
 * web_i18n: the console's words in Mongolian and English.
 *
 * One table, indexed by enum web_str, so that a missing translation is a
 * compile-time gap (the table is checked for holes in test_web.c), not a
 * blank on a caseworker's screen. The Mongolian wants a native speaker's
 * review before deployment, as the SMS texts do.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unistr.h>

#include "casework.h"
#include "conf.h"
#include "web.h"

static const char *const web_strs[W_COUNT][2] = {
	[W_TITLE] = { "Шухэр: мэдээллийн самбар", "Shukher: caseworkers' console" },
	[W_SIGNIN] = { "Нэвтрэх", "Sign in" },
	[W_SIGNOUT] = { "Гарах", "Sign out" },
	[W_NAME] = { "Нэр", "Name" },
	[W_PASSWORD] = { "Нууц үг", "Password" },
	[W_BAD_SIGNIN] = { "Нэр эсвэл нууц үг буруу байна. Олон удаа буруу "
	    "оролдсон бүртгэл хэсэг хугацаанд нэвтрэх боломжгүй.",
	    "Wrong name or password. After several wrong tries an account "
	    "cannot sign in for a while." },
	[W_TOO_MANY] = { "Хэт олон оролдлого. Дараа дахин оролдоно уу.",
	    "Too many attempts. Try again later." },
	[W_EXPIRED] = { "Таны холболтын хугацаа дууссан. Дахин нэвтэрнэ үү.",
	    "Your session has expired. Sign in again." },
	[W_QUEUE] = { "Мэдээллүүд", "Report queue" },
	[W_REPORT] = { "Мэдээлэл", "Report" },
	[W_STATUS] = { "Төхөөрөмж", "Gateway" },
	[W_STATS] = { "Статистик", "Statistics" },
	[W_UNLOCK] = { "Түлхүүр нээх", "Unlock reports" },
	[W_LOCK] = { "Түлхүүр хаах", "Lock reports" },
	[W_PASSPHRASE] = { "Түлхүүрийн нууц үг", "Key passphrase" },
	[W_BAD_PASSPHRASE] = { "Түлхүүрийн нууц үг буруу байна.",
	    "Wrong passphrase." },
	[W_NO_VAULT] = { "Энэ төхөөрөмжид түлхүүр хадгалаагүй байна "
	    "(shukherctl key store).",
	    "No key is kept on this device (shukherctl key store)." },
	[W_LOCKED_NOTE] = { "Мэдээллийн текст, утасны дугаар түгжээтэй. "
	    "Унших бол түлхүүрээ нээнэ үү.",
	    "Report texts and numbers are locked. Unlock to read them." },
	[W_UNLOCKED_NOTE] = { "Түлхүүр нээлттэй: гарах эсвэл хугацаа "
	    "дуусахад мартагдана.",
	    "Reports unlocked: the key is forgotten at sign-out or timeout." },
	[W_REF] = { "Код", "Reference" },
	[W_FILED] = { "Ирсэн", "Received" },
	[W_URGENT] = { "Яаралтай", "Urgent" },
	[W_STATE] = { "Төлөв", "Status" },
	[W_CLAIMED_BY] = { "Хариуцагч", "Claimed by" },
	[W_TEXT] = { "Текст", "Text" },
	[W_NUMBER] = { "Дугаар", "Number" },
	[W_OPEN] = { "Нээлттэй", "Open" },
	[W_CLOSED] = { "Хаагдсан", "Closed" },
	[W_ANY] = { "Бүгд", "Any" },
	[W_SINCE] = { "Хойш", "Since" },
	[W_FILTER] = { "Шүүх", "Filter" },
	[W_URGENT_ONLY] = { "Зөвхөн яаралтай", "Urgent only" },
	[W_NO_REPORTS] = { "Мэдээлэл алга.", "No reports." },
	[W_TIMELINE] = { "Түүх", "Timeline" },
	[W_CLAIM] = { "Хариуцах", "Claim" },
	[W_NOTE] = { "Тэмдэглэл", "Note" },
	[W_REPLY] = { "Хариу", "Reply" },
	[W_CLOSE] = { "Хаах", "Close" },
	[W_OUTCOME] = { "Үр дүн", "Outcome" },
	[W_SEND_REPLY] = { "Хариу илгээх", "Send reply" },
	[W_ADD_NOTE] = { "Тэмдэглэл нэмэх", "Add note" },
	[W_CLOSE_REPORT] = { "Мэдээллийг хаах…", "Close report…" },
	[W_SEALED] = { "(түгжээтэй)", "(locked)" },
	[W_DONE_CLAIM] = { "Та хариуцлаа.", "You claimed this report." },
	[W_DONE_NOTE] = { "Тэмдэглэл нэмэгдлээ.", "Note added." },
	[W_DONE_REPLY] = { "Хариу дараалалд орлоо: төхөөрөмжийн дугаараас "
	    "илгээгдэнэ.",
	    "Reply queued: it goes out from the gateway's number." },
	[W_DONE_CLOSE] = { "Мэдээлэл хаагдлаа.", "Report closed." },
	[W_MODEM] = { "Модем", "Modem" },
	[W_CONNECTED] = { "Холбогдсон", "Connected" },
	[W_DISCONNECTED] = { "Салсан", "Disconnected" },
	[W_OPERATOR] = { "Оператор", "Operator" },
	[W_SIGNAL] = { "Дохио", "Signal" },
	[W_SIM_STORAGE] = { "SIM санах ой", "SIM storage" },
	[W_CREDIT] = { "SIM-ийн үлдэгдэл", "SIM credit" },
	[W_HEALTH] = { "Анхааруулга", "Health" },
	[W_LAST_ERROR] = { "Сүүлийн алдаа", "Last error" },
	[W_QUEUES] = { "Дараалал", "Queues" },
	[W_INBOX_NEW] = { "Боловсруулаагүй мессеж", "Messages not yet handled" },
	[W_OUTBOX_QUEUED] = { "Илгээх мессеж", "Messages waiting to go" },
	[W_OUTBOX_FAILED] = { "Илгээж чадаагүй", "Messages that failed" },
	[W_REPORTS_OPEN] = { "Нээлттэй мэдээлэл", "Open reports" },
	[W_OUTBOX] = { "Илгээсэн мессеж", "Outbox" },
	[W_KIND] = { "Төрөл", "Kind" },
	[W_ATTEMPTS] = { "Оролдлого", "Attempts" },
	[W_DELIVERY] = { "Хүргэлт", "Delivery" },
	[W_NOTHING] = { "Хоосон.", "Nothing here." },
	[W_PER_DAY] = { "Өдөр бүрийн мессеж, түлхүүр үгээр",
	    "Messages per keyword per day" },
	[W_KEYWORD] = { "Түлхүүр үг", "Keyword" },
	[W_TOTAL] = { "Нийт", "Total" },
	[W_DAY] = { "Өдөр", "Day" },
	[W_NOT_FOUND] = { "Олдсонгүй", "Not found" },
	[W_FORBIDDEN] = { "Зөвшөөрөгдөөгүй", "Not allowed" },
	[W_CSRF] = { "Маягтын хугацаа дууссан эсвэл өөр газраас ирсэн. "
	    "Хуудсаа шинэчлээд дахин оролдоно уу.",
	    "This form has expired or did not come from this console. "
	    "Reload the page and try again." },
	[W_TOO_LARGE] = { "Хэт урт байна.", "That is too long." },
	[W_RATE] = { "Хэт олон хүсэлт. Түр хүлээнэ үү.",
	    "Too many requests. Wait a moment." },
	[W_ERROR] = { "Алдаа гарлаа. Дахин оролдоно уу.",
	    "Something went wrong. Try again." },
	[W_BACK] = { "Буцах", "Back" },
	[W_NEVER] = { "хэзээ ч", "never" },
	[W_UNKNOWN] = { "тодорхойгүй", "unknown" },
	[W_LANGUAGE] = { "English", "Монгол" },
	[W_UNCLAIMED] = { "хариуцагчгүй", "unclaimed" },
	[W_SIGNED_IN_AS] = { "Нэвтэрсэн:", "Signed in as" },
	[W_NEED_KEY] = { "Үүнийг хийхийн тулд түлхүүрээ нээнэ үү.",
	    "Unlock reports to do this." },
	[W_SESSION_ENDS] = { "Холболт дуусах:", "Session ends" },
	[W_MESSAGES] = { "мессеж", "messages" },
	[W_NO_STATS] = { "Статистик алга.", "No statistics yet." },
	[W_AUDIT] = { "Хяналтын бүртгэл", "Audit log" },
	[W_REPLY_TOO_LONG] = { "SMS-ээр илгээхэд хэт урт байна; "
	    "богиносгоод дахин илгээнэ үү. Юу ч илгээгдээгүй:",
	    "Too long to send as SMS; shorten it and send again. Nothing "
	    "was sent:" },
	[W_CHARS] = { "тэмдэгт", "characters" },
	[W_AT_MOST] = { "Дээд тал нь", "At most" },
	[W_LATIN] = { "латин", "Latin" },
	[W_CYRILLIC] = { "кирилл", "Cyrillic" },
	[W_WRONG_HOST] = { "Энэ самбар ийм нэрээр хариулдаггүй.",
	    "This console does not answer to that name." },
	[W_NAV_QUEUE] = { "Мэдээлэл", "Queue" },
	[W_NAV_AUDIT] = { "Хяналт", "Audit" },
	[W_DAY_HINT] = { "он-сар-өдөр", "year-month-day" },
	[W_BAD_DAY] = { "Өдрийг он-сар-өдөр хэлбэрээр бичнэ үү, жишээ нь",
	    "Write the day as year-month-day, for example" },
	[W_COUNTS] = { "Тоо", "Counts" },
	[W_URGENT_LC] = { "яаралтай", "urgent" },
	[W_QUEUED_AT] = { "Дараалалд орсон", "Queued" },
	[W_CONVERSATION] = { "Харилцаа", "Conversation" },
	[W_REPORTER] = { "Мэдээлэгч", "Reporter" },
	[W_GATEWAY_AUTO] = { "Төхөөрөмж (автомат)", "Gateway (automatic)" },
	[W_ACK_BODY] = { "Хүлээн авсныг мэдэгдэж, мэдээллийн кодыг "
	    "илгээсэн.", "Told the reporter it was received, with the "
	    "report's reference." },
	[W_NO_TURNS] = { "Мессеж алга.", "No messages." },
	/* Timeline sentences: one "%s" is the caseworker's name. */
	[W_E_FILED] = { "Мэдээлэгчийн SMS-ээс мэдээлэл бүртгэгдсэн.",
	    "Report filed from the reporter's SMS." },
	[W_E_MESSAGE] = { "Мэдээлэгч SMS-ээр дахин бичсэн.",
	    "The reporter wrote again by SMS." },
	[W_E_ACK] = { "Мэдээлэгчид хүлээн авсныг болон кодыг SMS-ээр "
	    "илгээсэн.", "Receipt and reference sent by SMS to the reporter." },
	[W_E_ALERT] = { "Яаралтай мэдэгдлийг SMS-ээр илгээсэн, хүлээн авагч: "
	    "%s.", "Alert sent by SMS to %s." },
	[W_E_ESCALATE] = { "Хугацаандаа хариуцаагүй тул дараагийн жижүүрт "
	    "SMS-ээр мэдэгдсэн, хүлээн авагч: %s.",
	    "Not claimed in time: alert sent by SMS to %s, the next on "
	    "duty." },
	[W_E_CLAIM] = { "Ажилтан %s хариуцсан.", "Claimed by %s." },
	[W_E_NOTE] = { "Ажилтан %s тэмдэглэл нэмсэн.", "Note added by %s." },
	[W_E_REPLY] = { "Ажилтан %s мэдээлэгчид SMS-ээр хариу илгээсэн.",
	    "Reply by %s, sent by SMS to the reporter." },
	[W_E_CLOSE] = { "Ажилтан %s мэдээллийг хаасан.", "Closed by %s." },
	[W_CLOSE_HINT] = { "Хаасан мэдээлэлд тэмдэглэл, хариу нэмэх "
	    "боломжгүй. Дараагийн хуудсанд баталгаажуулна.",
	    "A closed report takes no more notes or replies. You confirm on "
	    "the next page." },
	[W_CLOSE_ASK] = { "Энэ мэдээллийг хаах уу?", "Close this report?" },
	[W_CLOSE_WARN] = { "Хаасны дараа тэмдэглэл, хариу нэмэх, дахин нээх "
	    "боломжгүй. Мэдээлэгчид мэдэгдэхгүй.",
	    "Once closed it takes no more notes or replies, and it cannot be "
	    "opened again. The reporter is not told." },
	[W_CLOSE_YES] = { "Тийм, мэдээллийг хаах", "Yes, close the report" },
	[W_CANCEL] = { "Болих", "Cancel" },
	[W_NO_OUTCOME] = { "(үр дүн бичээгүй)", "(no outcome written)" },
	[W_Y_AXIS] = { "Өдөрт ирсэн мессеж", "Messages a day" },
	[W_SO_FAR] = { "одоог хүртэл", "so far" },
	[W_TODAY_SO_FAR] = { "өнөөдөр, одоог хүртэл", "today, so far" },
	[W_OTHER] = { "Бусад", "Other" },
	[W_DAYS_IN] = { "Өдрүүд орон нутгийн цагаар:", "Days in local time:" },
	[W_G_DEFAULT] = { "Түлхүүр үг тохироогүй", "No keyword matched" },
	[W_G_STOP] = { "Зогсоох (STOP)", "Stop (opt-out)" },
	[W_G_START] = { "Дахин эхлүүлэх (START)", "Start again" },
	[W_G_IGNORED] = { "Хариулаагүй (богино дугаар)",
	    "Not answered (short codes)" },
	[W_G_OPTED_OUT] = { "Татгалзсан дугаараас", "From numbers that "
	    "opted out" },
	[W_G_MALFORMED] = { "Уншигдахгүй мессеж", "Unreadable messages" },
	[W_G_FOLLOWUP] = { "Мэдээллийн нэмэлт", "Report follow-ups" },
	[W_G_CASEWORKER] = { "Ажилтны тушаал", "Caseworkers' commands" },
	[W_G_REPORT] = { "Бүртгэсэн мэдээлэл", "Reports filed" },
	[W_G_LANGUAGE] = { "Хэл сольсон:", "Language set to" },
	[W_L_MN] = { "монгол", "Mongolian" },
	[W_L_EN] = { "англи", "English" },
	[W_L_MN_LATN] = { "монгол, латин үсгээр",
	    "Mongolian in Latin letters" },
	[W_UNSEALED] = { "Анхаар: мэдээллүүд шифрлэгдээгүй хадгалагдаж байна "
	    "(shukher.conf-д reports.public_key алга). Төхөөрөмжид хандах "
	    "боломжтой хэн ч уншиж чадна.",
	    "Warning: reports are stored unencrypted (shukher.conf has no "
	    "reports.public_key). Anyone who can reach the device can read "
	    "them." },
	[W_NAV_SURVEYS] = { "Судалгаа ба эх сурвалж", "Surveys and sources" },
	[W_MODEMS] = { "Модемууд", "Modems" },
	[W_SENT_TODAY] = { "Өнөөдөр илгээсэн", "Sent today" },
	[W_GATEWAY] = { "Төхөөрөмж", "Gateway" },
	[W_FLEET] = { "Төхөөрөмжүүд", "Gateways" },
	[W_LAST_CONTACT] = { "Сүүлд холбогдсон", "Last contact" },
	[W_VERSION] = { "Хувилбар", "Version" },
	[W_SIM_USED] = { "SIM дээрх SMS", "SMS on the SIM" },
	[W_SILENT_WARN] = { "Чимээгүй: очиж шалгана уу",
	    "Silent: visit this device" },
	[W_ALL_GATEWAYS] = { "Бүх төхөөрөмж", "All gateways" },
	[W_QUEUED_FOR] = { "Төхөөрөмж рүү илгээх тушаал хүлээгдэж байна:",
	    "Queued as a command for gateway" },
	[W_NO_GATEWAYS] = { "Бүртгэлтэй төхөөрөмж алга.",
	    "No gateway is registered." },
	[W_SILENT] = { "чимээгүй", "silent" },
};

const char *
web_t(enum web_lang lang, enum web_str s)
{
	const char *t;

	if ((int)s < 0 || s >= W_COUNT)
		return "?";
	t = web_strs[s][lang == WEB_EN ? 1 : 0];
	return t != NULL ? t : "?";
}

const char *
web_cw_error(enum web_lang lang, int err)
{
	static const char *const words[][2] = {
		[CW_OK] = { "", "" },
		[CW_NOTFOUND] = { "Ийм мэдээлэл алга.", "No such report." },
		[CW_CLOSED] = { "Мэдээлэл хаагдсан байна.",
		    "The report is closed." },
		[CW_TAKEN] = { "Өөр хүн хариуцсан байна.",
		    "Someone has already claimed it." },
		[CW_LOCKED] = { "Үүнийг хийхийн тулд түлхүүрээ нээнэ үү.",
		    "Unlock reports to do this." },
		[CW_WRONGKEY] = { "Өөр түлхүүрээр түгжигдсэн.",
		    "Sealed to another key." },
		[CW_DAMAGED] = { "Мэдээлэл гэмтсэн байна.",
		    "The report cannot be opened (damaged)." },
		[CW_NONUMBER] = { "Хариу илгээх дугаар алга.",
		    "There is no number to answer." },
		[CW_EMPTY] = { "Текстээ бичнэ үү.", "Write something first." },
		[CW_TOOLONG] = { "SMS-ээр илгээхэд хэт урт байна.",
		    "Too long to send as SMS." },
		[CW_BADTEXT] = { "Текстийн кодчилол буруу байна (UTF-8 биш).",
		    "The text is not valid UTF-8." },
		[CW_DB] = { "Өгөгдлийн санд алдаа гарлаа. Дахин оролдоно уу.",
		    "The database failed. Try again." },
		[CW_NOMEM] = { "Санах ой хүрэлцсэнгүй.", "Out of memory." },
	};

	if (err < 0 || (size_t)err >= sizeof(words) / sizeof(words[0]))
		return web_t(lang, W_ERROR);
	return words[err][lang == WEB_EN ? 1 : 0];
}

void
web_entry_sentence(struct web_buf *b, enum web_lang lang, const char *kind,
    const char *actor)
{
	static const struct { const char *kind; enum web_str s; } kinds[] = {
		{ "filed", W_E_FILED }, { "message", W_E_MESSAGE },
		{ "ack", W_E_ACK }, { "alert", W_E_ALERT },
		{ "escalate", W_E_ESCALATE }, { "claim", W_E_CLAIM },
		{ "note", W_E_NOTE }, { "reply", W_E_REPLY },
		{ "close", W_E_CLOSE },
	};
	const char *t = NULL, *at;
	size_t i;

	for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]);
	    i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			t = web_t(lang, kinds[i].s);
	if (actor == NULL || actor[0] == '\0')
		actor = web_t(lang, W_UNKNOWN);
	if (t == NULL) {        /* a kind newer than this console */
		wb_text(b, kind != NULL ? kind : "?");
		wb_raw(b, " (<b>");
		wb_text(b, actor);
		wb_raw(b, "</b>)");
		return;
	}
	if ((at = strstr(t, "%s")) == NULL) {
		wb_text(b, t);
		return;
	}
	wb_rawn(b, t, (size_t)(at - t));        /* our own text: no markup */
	wb_raw(b, "<b>");
	wb_text(b, actor);
	wb_raw(b, "</b>");
	wb_raw(b, at + 2);
}

/* s with its first letter upper case and the rest lower case, as a word
 * is written inside a sentence ("ТУСЛАМЖ" -> "Тусламж"), into out. */
static void
web_word_case(const char *s, char *out, size_t outlen)
{
	size_t n = 0, first;
	uint8_t *low, *up;
	ucs4_t uc;
	int len;

	snprintf(out, outlen, "%s", s);
	low = u8_tolower((const uint8_t *)s, strlen(s), NULL, NULL, NULL,
	    &n);
	if (low == NULL)
		return;
	len = u8_mbtoucr(&uc, low, n);
	first = len > 0 ? (size_t)len : 0;
	up = u8_toupper(low, first, NULL, NULL, NULL, &first);
	if (up != NULL)
		snprintf(out, outlen, "%.*s%.*s", (int)first, (char *)up,
		    (int)(n - (size_t)(len > 0 ? len : 0)),
		    (char *)low + (len > 0 ? len : 0));
	free(up);
	free(low);
}

/* 1 when s has a Cyrillic letter. */
static int
web_cyrillic(const char *s)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + strlen(s);
	ucs4_t uc;
	int n;

	while (p < end) {
		if ((n = u8_mbtoucr(&uc, p, (size_t)(end - p))) < 0)
			return 0;
		if (uc >= 0x400 && uc <= 0x4ff)
			return 1;
		p += n;
	}
	return 0;
}

void
web_group_name(const struct conf *conf, enum web_lang lang,
    const char *label, char *out, size_t outlen)
{
	static const struct { const char *label; enum web_str s; } fixed[] = {
		{ "default", W_G_DEFAULT }, { "stop", W_G_STOP },
		{ "start", W_G_START }, { "ignored", W_G_IGNORED },
		{ "opted_out", W_G_OPTED_OUT }, { "malformed", W_G_MALFORMED },
		{ "followup", W_G_FOLLOWUP }, { "caseworker", W_G_CASEWORKER },
		{ "report", W_G_REPORT },
	};
	static const enum web_str langs[LANG_COUNT] = { W_L_MN, W_L_EN,
	    W_L_MN_LATN };
	const struct conf_keyword *k = NULL;
	char name[128];
	size_t i;

	for (i = 0; conf != NULL && i < conf->nkeywords; i++)
		if (strcmp(conf->keywords[i].name, label) == 0)
			k = &conf->keywords[i];
	if (k != NULL && k->report) {
		snprintf(out, outlen, "%s", web_t(lang, W_G_REPORT));
		return;
	}
	if (k != NULL && k->language >= 0 && k->language < LANG_COUNT) {
		snprintf(out, outlen, "%s %s", web_t(lang, W_G_LANGUAGE),
		    web_t(lang, langs[k->language]));
		return;
	}
	for (i = 0; k == NULL && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(label, fixed[i].label) == 0) {
			snprintf(out, outlen, "%s", web_t(lang, fixed[i].s));
			return;
		}
	for (i = 0; k != NULL && lang == WEB_MN && i < k->nwords; i++)
		if (web_cyrillic(k->words[i])) {
			web_word_case(k->words[i], out, outlen);
			return;
		}
	/* No name for people in the config: the group's, as a word. */
	snprintf(name, sizeof(name), "%s", label);
	for (i = 0; name[i] != '\0'; i++)
		if (name[i] == '_')
			name[i] = ' ';
	web_word_case(name, out, outlen);
}
