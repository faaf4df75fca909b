/*
 * json_judge: Python's json module as the independent judge of the JSON
 * shukher writes (test_json, test_ctl).
 *
 * One python3 process serves a whole test binary: it starts at the first
 * question and reads questions from a pipe, so that a check costs a line
 * on a pipe rather than a Python start (about half a second each on a
 * loaded Raspberry Pi or build machine).
 */
#ifndef SHUKHER_JSON_JUDGE_H
#define SHUKHER_JSON_JUDGE_H

#include <stddef.h>

/*
 * Loads text as JSON (strict UTF-8) and evaluates each of the n Python
 * expressions over it, with v the decoded value and json the module.
 * Returns the answers, NUL-separated in one buffer (caller frees): str()
 * of each, JSON's spelling for None, True and False (null, true, false),
 * as UTF-8 (lone surrogates passed through). NULL when the text is not
 * valid JSON or UTF-8, an expression failed, or Python cannot be run.
 */
char *judge_eval(const char *text, const char *const *exprs, size_t n);

#endif
