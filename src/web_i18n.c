/*
 * web_i18n: the console's words in Mongolian and English.
 *
 * One table, indexed by enum web_str, so that a missing translation is a
 * compile-time gap (the table is checked for holes in test_web.c), not a
 * blank on a caseworker's screen. The Mongolian wants a native speaker's
 * review before deployment, as the SMS texts do.
 */
#include <stddef.h>
#include <string.h>

#include "casework.h"
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
	[W_REF] = { "Код", "Ref" },
	[W_FILED] = { "Ирсэн", "Filed" },
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
	[W_CLOSE_REPORT] = { "Мэдээллийг хаах", "Close report" },
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
	[W_K_MESSAGE] = { "мессеж", "message" },
	[W_K_FILED] = { "бүртгэгдсэн", "filed" },
	[W_K_ACK] = { "хариу илгээсэн", "acknowledged" },
	[W_K_ALERT] = { "мэдэгдсэн", "alerted" },
	[W_K_FOLLOWUP] = { "нэмэлт мессеж", "follow-up" },
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
};

const char *
web_kind(enum web_lang lang, const char *kind)
{
	static const struct { const char *kind; enum web_str s; } kinds[] = {
		{ "message", W_K_MESSAGE }, { "filed", W_K_FILED },
		{ "ack", W_K_ACK }, { "alert", W_K_ALERT },
		{ "followup", W_K_FOLLOWUP }, { "claim", W_CLAIM },
		{ "note", W_NOTE }, { "reply", W_REPLY }, { "close", W_CLOSE },
	};
	size_t i;

	for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]);
	    i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return web_t(lang, kinds[i].s);
	return kind;
}

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
