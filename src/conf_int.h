/*
 * conf_int: what the conf_*.c files share and nobody else needs.
 */
#ifndef SHUKHER_CONF_INT_H
#define SHUKHER_CONF_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <libconfig.h>

/*
 * Writes "FILE:LINE: " (the line of setting s, the file it came from; or
 * "FILE: " when s is NULL or has no line), prefix ("web." for a group's
 * errors, or "") and the formatted reason into err. Returns -1, so that
 * callers can return it.
 */
int conf_failv(const char *path, const config_setting_t *s,
    const char *prefix, char *err, size_t errlen, const char *fmt,
    va_list ap);

#endif
