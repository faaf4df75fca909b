/*
 * test_beat: the board of signs of life a supervisor shares with its
 * children. A child's stamp is seen by the parent; a slot not stamped
 * ages; out of range and NULL are harmless. Ages count whole seconds on
 * CLOCK_MONOTONIC, so the one wait here (a second) can only make them
 * larger: the assertions are bounds, never exact times.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "beat.h"

static void
test_child_stamp_seen_by_parent(void **state)
{
	struct beat *b;
	pid_t pid;
	int st;

	(void)state;
	assert_non_null(b = beat_new(3));
	assert_true(beat_age(b, 0) <= 1);       /* stamped when made */
	(void)poll(NULL, 0, 1100);
	assert_true(beat_age(b, 0) >= 1);
	assert_true(beat_age(b, 1) >= 1);
	if ((pid = fork()) == 0) {
		beat_stamp(b, 1);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(beat_age(b, 1) <= 1);       /* the child's stamp */
	assert_true(beat_age(b, 0) >= 1);       /* the others' unchanged */
	assert_true(beat_age(b, 2) >= 1);
	beat_stamp(b, 0);
	assert_true(beat_age(b, 0) <= 1);
	beat_free(b);
}

static void
test_bounds_and_null(void **state)
{
	struct beat *b;

	(void)state;
	errno = 0;
	assert_null(beat_new(0));
	assert_int_equal(errno, EINVAL);
	assert_non_null(b = beat_new(1));
	beat_stamp(b, 1);                       /* out of range: nothing */
	assert_int_equal(beat_age(b, 7), 0);
	beat_free(b);
	beat_stamp(NULL, 0);
	assert_int_equal(beat_age(NULL, 0), 0);
	beat_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_stamp_seen_by_parent),
		cmocka_unit_test(test_bounds_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
