/*
 * netclock: the network's time carried forward on CLOCK_BOOTTIME.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "netclock.h"

int64_t
netclock_boottime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec;
}

void
netclock_boot_id(char *buf, size_t len)
{
	FILE *fp;
	size_t n;

	buf[0] = '\0';
	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "re")) == NULL)
		return;
	if (fgets(buf, (int)len, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
}

void
netclock_note(struct store_modem_state *st, int64_t network_time)
{
	if (network_time <= 0)
		return;
	st->network_time = network_time;
	st->network_boottime = netclock_boottime();
	netclock_boot_id(st->boot_id, sizeof(st->boot_id));
}

int
netclock_now(const struct store_modem_state *st, int64_t *out)
{
	char boot[sizeof(st->boot_id)];
	int64_t up = netclock_boottime();

	if (st->network_time <= 0 || st->boot_id[0] == '\0')
		return 0;
	netclock_boot_id(boot, sizeof(boot));
	if (strcmp(boot, st->boot_id) != 0 || up < st->network_boottime)
		return 0;
	*out = st->network_time + (up - st->network_boottime);
	return 1;
}
