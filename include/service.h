/*
 * service: what the three long-running programs (shukherd, shukher-web,
 * shukher-uplink) do alike before their own work: the same options, the
 * log, libsodium and the configuration.
 */
#ifndef SHUKHER_SERVICE_H
#define SHUKHER_SERVICE_H

#include "conf.h"

struct service_opts {
	const char *path;        /* -c FILE; CONF_DEFAULT_PATH */
	int check;               /* -n: check the configuration, then exit */
	int verbose;             /* -v: debug lines in the log */
};

/*
 * Reads -c FILE, -n and -v from argv into o, calling usage() (which does
 * not return) on anything else; starts the log as name; starts libsodium
 * (EXIT_OSERR when it cannot); loads the configuration into *conf, or
 * ends the program with EXIT_CONFIG and "FILE:LINE: reason".
 */
void service_start(const char *name, int argc, char *argv[],
    void (*usage)(void), struct service_opts *o,
    struct conf **conf);

#endif
