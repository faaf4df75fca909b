/*
 * beat: the signs of life of a supervisor's children (include/beat.h).
 *
 * The board is an anonymous shared mapping, so that the children forked
 * after it write into the very pages the supervisor reads. A slot holds
 * the seconds since the board was made, on CLOCK_MONOTONIC, in an
 * atomic int: lock-free on every target (a 64-bit atomic is not on a
 * 32-bit ARM), and an int of seconds lasts 68 years.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "beat.h"

struct beat {
	size_t n;
	int64_t base;            /* CLOCK_MONOTONIC seconds at beat_new() */
	atomic_int *slot;        /* n of them, in the shared mapping */
	size_t len;              /* the mapping's length */
};

static int64_t
beat_clock(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

struct beat *
beat_new(size_t n)
{
	struct beat *b;
	void *p;
	size_t i;

	if (n == 0 || n > 4096) {
		errno = EINVAL;
		return NULL;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->n = n;
	b->len = n * sizeof(atomic_int);
	p = mmap(NULL, b->len, PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(b);
		return NULL;
	}
	b->slot = p;
	b->base = beat_clock();
	for (i = 0; i < n; i++)
		atomic_init(&b->slot[i], 0);
	return b;
}

void
beat_free(struct beat *b)
{
	if (b == NULL)
		return;
	(void)munmap(b->slot, b->len);
	free(b);
}

void
beat_stamp(struct beat *b, size_t i)
{
	if (b != NULL && i < b->n)
		atomic_store_explicit(&b->slot[i], (int)(beat_clock() -
		    b->base), memory_order_relaxed);
}

int64_t
beat_age(const struct beat *b, size_t i)
{
	int64_t age;

	if (b == NULL || i >= b->n)
		return 0;
	age = beat_clock() - b->base - atomic_load_explicit(&b->slot[i],
	    memory_order_relaxed);
	return age < 0 ? 0 : age;
}
