/*
 * cmdbox: see include/cmdbox.h. The box's plain text is four parts
 * separated by the first three newlines: the tag, the reference, the
 * action, the content (which may hold newlines of its own: a reply's
 * number and text). Neither a reference nor an action ever holds one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cmdbox.h"
#include "seal.h"

_Static_assert(CMDBOX_NONCE_BYTES == crypto_box_NONCEBYTES,
    "a command box's nonce is crypto_box's");

/* Whether s may stand on a line of its own in a box. */
static int
cmdbox_word_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strchr(s, '\n') == NULL;
}

unsigned char *
cmdbox_make(const struct seal_sec *from, const struct seal_pub *to,
    const char *ref, const char *action, const char *content, size_t *len)
{
	unsigned char *blob;
	size_t i, n, head;
	char *msg;

	if (!cmdbox_word_ok(ref) || !cmdbox_word_ok(action))
		return NULL;
	if (content == NULL)
		content = "";
	n = strlen(CMDBOX_TAG) + 1 + strlen(ref) + 1 + strlen(action) + 1 +
	    strlen(content) + 1;
	/* Locked memory: a reply's content is the reporter's number. */
	if ((msg = sodium_malloc(n)) == NULL)
		return NULL;
	memcpy(msg, CMDBOX_TAG "\n", strlen(CMDBOX_TAG) + 1);
	head = strlen(CMDBOX_TAG) + 1;
	for (i = 0; ref[i] != '\0'; i++)
		msg[head + i] = (char)toupper((unsigned char)ref[i]);
	msg[head + i] = '\n';
	head += i + 1;
	memcpy(msg + head, action, strlen(action));
	head += strlen(action);
	msg[head++] = '\n';
	memcpy(msg + head, content, strlen(content) + 1);
	blob = seal_box(from, to, msg, n - 1, len);
	sodium_free(msg);
	return blob;
}

/*
 * The line at *p, not cut (seal_free() wipes up to the first NUL, so the
 * plain text is left whole): whether it is word (case folded when fold
 * is set), and *p moved past its newline. 0 when it is not, or no
 * newline ends it.
 */
static int
cmdbox_line_is(const char **p, const char *word, int fold)
{
	const char *nl;
	size_t n = strlen(word);

	if ((nl = strchr(*p, '\n')) == NULL || (size_t)(nl - *p) != n ||
	    (fold ? strncasecmp(*p, word, n) : strncmp(*p, word, n)) != 0)
		return 0;
	*p = nl + 1;
	return 1;
}

enum cmdbox_res
cmdbox_open(const struct seal_sec *sec, const struct seal_pub *from,
    const unsigned char *blob, size_t len, const char *ref,
    const char *action, char **raw, const char **content)
{
	const char *p, *nl;
	char *plain;
	size_t n;

	*raw = NULL;
	*content = NULL;
	if (blob == NULL || (plain = seal_box_open(sec, from, blob, len,
	    &n)) == NULL)
		return CMDBOX_FORGED;
	p = plain;
	/* Three lines before the content, and no NUL inside, which would
	 * cut the content short of what was boxed. */
	if (strlen(plain) != n || !cmdbox_line_is(&p, CMDBOX_TAG, 0) ||
	    (nl = strchr(p, '\n')) == NULL || strchr(nl + 1, '\n') == NULL) {
		seal_free(plain);
		return CMDBOX_FORMAT;
	}
	if (!cmdbox_line_is(&p, ref, 1) || !cmdbox_line_is(&p, action, 0)) {
		seal_free(plain);
		return CMDBOX_MOVED;
	}
	*raw = plain;
	*content = p;
	return CMDBOX_OK;
}
