/*
 * service: the start the three services share. See include/service.h.
 */
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "exitcode.h"
#include "log.h"
#include "service.h"

void
service_start(const char *name, int argc, char *argv[],
    void (*usage)(void), struct service_opts *o,
    struct conf **conf)
{
	char err[1024];
	int ch;

	o->path = CONF_DEFAULT_PATH;
	o->check = o->verbose = 0;
	while ((ch = getopt(argc, argv, "c:nvh")) != -1) {
		switch (ch) {
		case 'c':
			o->path = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(name, o->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (sodium_init() < 0)
		fatalx(EXIT_OSERR, "libsodium cannot start");
	if (conf_load(o->path, conf, err, sizeof(err)) == -1)
		fatalx(EXIT_CONFIG, "%s", err);
}
