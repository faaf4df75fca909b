/*
 * ctl_clock: shukherctl clock, the system clock checked against the
 * network's time the daemon read from the modem, and set from it.
 *
 * For a device that boots without internet (no NTP) and without a
 * battery-backed clock: fake-hwclock brings back the time of the last
 * shutdown, which can be days behind. The network's time is carried
 * forward from the daemon's reading on CLOCK_BOOTTIME (netclock.h), so a
 * wrong system clock cannot spoil the estimate it is checked against.
 *
 * --set changes the clock only when it is off by more than CTL_CLOCK_SLACK
 * and NTP has not synchronised it (systemd-timesyncd's flag file): NTP,
 * when there is internet, knows better than a modem.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "netclock.h"
#include "store.h"

#define CTL_CLOCK_SLACK 120      /* seconds: modems round, NITZ is coarse */
#define CTL_NTP_FLAG "/run/systemd/timesync/synchronized"

int
ctl_clock(struct ctl *ctl, struct ctl_args *args)
{
	struct store_modem_state m;
	struct timespec ts;
	char sys_s[CTL_TIME_LEN], net_s[CTL_TIME_LEN];
	int64_t now = (int64_t)time(NULL), net = 0, off = 0;
	const char *action = "none";
	int have, ntp, rc = EXIT_OK;

	if (store_modem_state_get(ctl->store, &m) == -1)
		return ctl_db_error(ctl);
	have = netclock_now(&m, &net);
	ntp = access(CTL_NTP_FLAG, F_OK) == 0;
	if (have)
		off = now - net;
	if (args->set && have && !ntp &&
	    (off > CTL_CLOCK_SLACK || off < -CTL_CLOCK_SLACK)) {
		action = args->dry_run ? "would set" : "set";
		if (!args->dry_run) {
			ts.tv_sec = (time_t)net;
			ts.tv_nsec = 0;
			if (clock_settime(CLOCK_REALTIME, &ts) == -1) {
				ctl_err("cannot set the clock: %s (root, or "
				    "CAP_SYS_TIME, is needed)", strerror(errno));
				return EXIT_FAIL;
			}
		}
	}
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		ctl_json_time(ctl->json, "system", now);
		if (have) {
			ctl_json_time(ctl->json, "network", net);
			json_kv_int(ctl->json, "offset", off);
		} else {
			json_kv_null(ctl->json, "network");
			json_kv_null(ctl->json, "offset");
		}
		json_kv_bool(ctl->json, "ntp_synchronized", ntp);
		json_kv_string(ctl->json, "action", action);
		json_object_end(ctl->json);
		return rc;
	}
	fprintf(ctl->out, "%-10s %s\n", "system", ctl_time_local(now, sys_s,
	    sizeof(sys_s)));
	if (!have)
		fprintf(ctl->out, "%-10s unknown (the daemon has not read the "
		    "modem's clock this boot, or the modem has no network "
		    "time)\n", "network");
	else
		fprintf(ctl->out, "%-10s %s (the system clock is %lld s %s)\n",
		    "network", ctl_time_local(net, net_s, sizeof(net_s)),
		    (long long)(off < 0 ? -off : off), off < 0 ? "behind" :
		    "ahead");
	fprintf(ctl->out, "%-10s %s\n", "ntp", ntp ? "synchronised" :
	    "not synchronised");
	if (strcmp(action, "none") != 0)
		fprintf(ctl->out, "%s the clock to the network's time\n",
		    action);
	else if (args->set)
		fprintf(ctl->out, "clock left as it is (%s)\n", !have ?
		    "no network time" : ntp ? "NTP keeps it" :
		    "within 2 minutes");
	return rc;
}
