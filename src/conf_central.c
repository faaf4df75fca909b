/*
 * conf_central: the "central" group of shukher.conf, the fleet's central
 * PostgreSQL (shukher-uplink on a gateway; shukherctl fleet, central and
 * reports list --central on the central team's machine).
 *
 *   central = {
 *     conninfo = "host=central.example.org dbname=shukher";
 *     gateway = "darkhan1";
 *     sslcert = "/etc/shukher/central.crt";
 *     sslkey = "/etc/shukher/central.key";
 *     sslrootcert = "/etc/shukher/central-ca.crt";
 *     silent_after = 900;
 *   };
 *
 * Off unless conninfo is given: the uplink then says so and exits, and
 * nothing else of the gateway changes. conninfo is libpq's (a key=value
 * string or a postgresql:// URI); it should hold no password, since a
 * gateway proves who it is with its client certificate. The files are
 * checked for being readable regular files here, so that `shukherctl
 * config check` names the line of a wrong path. gateway is the name the
 * central database knows this device by (the role shukher_gw_NAME), a
 * lower-case word, so that it can stand in a role name as it is.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"

static const char *const conf_central_keys[] = { "conninfo", "gateway",
    "sslcert", "sslkey", "sslrootcert", "silent_after", NULL };

int
conf_central_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CONF_CENTRAL_NAME_MAX || !islower((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int
conf_central_read(const struct conf_ctx *fctx, const config_setting_t *root,
    struct conf_central *out)
{
	struct conf_ctx ctx = conf_ctx_group(fctx, "central");
	const config_setting_t *g;

	memset(out, 0, sizeof(*out));
	out->silent_after = 900;
	if (conf_group(fctx, root, "central", &g) == -1)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_keys(&ctx, g, conf_central_keys) == -1 ||
	    conf_str(&ctx, g, "conninfo", CONF_NONEMPTY, &out->conninfo) == -1 ||
	    conf_str(&ctx, g, "gateway", CONF_NONEMPTY, &out->gateway) == -1 ||
	    conf_str(&ctx, g, "sslcert", CONF_NONEMPTY, &out->sslcert) == -1 ||
	    conf_str(&ctx, g, "sslkey", CONF_NONEMPTY, &out->sslkey) == -1 ||
	    conf_str(&ctx, g, "sslrootcert", CONF_NONEMPTY,
	    &out->sslrootcert) == -1 ||
	    conf_int(&ctx, g, "silent_after", 60, 7 * 86400,
	    &out->silent_after) == -1)
		return -1;
	if (out->gateway != NULL && !conf_central_name_ok(out->gateway))
		return conf_fail(&ctx, config_setting_get_member(g, "gateway"),
		    "gateway: expected a lower-case name of letters, digits "
		    "and '_', starting with a letter, at most %d characters",
		    CONF_CENTRAL_NAME_MAX);
	if ((out->sslcert == NULL) != (out->sslkey == NULL))
		return conf_fail(&ctx, config_setting_get_member(g,
		    out->sslkey == NULL ? "sslcert" : "sslkey"),
		    "sslcert and sslkey go together: give both, or neither");
	if (conf_readable(&ctx, g, "sslcert", out->sslcert) == -1 ||
	    conf_readable(&ctx, g, "sslkey", out->sslkey) == -1 ||
	    conf_readable(&ctx, g, "sslrootcert", out->sslrootcert) == -1)
		return -1;
	if (out->conninfo == NULL && (out->gateway != NULL ||
	    out->sslcert != NULL || out->sslrootcert != NULL))
		return conf_fail(&ctx, g, "conninfo: missing: the other "
		    "settings of the group mean nothing without it");
	return 0;
}

void
conf_central_free(struct conf_central *central)
{
	free(central->conninfo);
	free(central->gateway);
	free(central->sslcert);
	free(central->sslkey);
	free(central->sslrootcert);
	memset(central, 0, sizeof(*central));
}
