/*
 * modem_gammu_dog: the watchdog of a modem_gammu handle (why: see
 * modem_gammu.c). One thread per handle; each libgammu call is armed with
 * a deadline and disarmed when it returns. A call still running at its
 * deadline is aborted, and the handle is dead from then on: every later
 * arm() fails until the gateway reopens.
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <gammu.h>

#include "modem_gammu_int.h"

/*
 * The watchdog thread: sleeps until a call is armed, then until its
 * deadline; a call still armed then is aborted. GSM_AbortOperation() only
 * sets a flag that libgammu's wait loops poll, the one thing it is safe to
 * do from another thread.
 */
static void *
modem_gammu_dog(void *arg)
{
	struct modem_gammu *m = arg;
	struct timespec now;

	pthread_mutex_lock(&m->lock);
	while (!m->quit) {
		if (!m->armed) {
			pthread_cond_wait(&m->cond, &m->lock);
			continue;
		}
		pthread_cond_timedwait(&m->cond, &m->lock, &m->deadline);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (m->armed && !m->quit && (now.tv_sec > m->deadline.tv_sec ||
		    (now.tv_sec == m->deadline.tv_sec &&
		    now.tv_nsec >= m->deadline.tv_nsec))) {
			GSM_AbortOperation(m->sm);
			m->aborted = 1;
			m->armed = 0;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* Starts the watchdog. 0, or -1 and err. */
int
modem_gammu_dog_start(struct modem_gammu *m, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (pthread_mutex_init(&m->lock, NULL) != 0)
		goto fail;
	if (pthread_condattr_init(&ca) != 0)
		goto fail_lock;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&m->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail_lock;
	}
	pthread_condattr_destroy(&ca);
	/* the thread inherits a full mask: the process's signals must go to
	 * the threads that wait for them, never to the watchdog */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&m->dog, NULL, modem_gammu_dog, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&m->cond);
		goto fail_lock;
	}
	m->dog_started = 1;
	return 0;
fail_lock:
	pthread_mutex_destroy(&m->lock);
fail:
	modem_gammu_err(err, errlen, "cannot start the modem watchdog");
	return -1;
}

void
modem_gammu_dog_stop(struct modem_gammu *m)
{
	if (!m->dog_started)
		return;
	pthread_mutex_lock(&m->lock);
	m->quit = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->dog, NULL);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	m->dog_started = 0;
}

/*
 * Arms the watchdog for one libgammu call of at most secs seconds. Returns
 * 0, or -1 and err when an earlier call was aborted: the handle is dead.
 */
int
modem_gammu_arm(struct modem_gammu *m, int secs, char *err, size_t errlen)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	if (!(dead = m->aborted || m->spoilt)) {
		clock_gettime(CLOCK_MONOTONIC, &m->deadline);
		m->deadline.tv_sec += secs;
		m->armed = 1;
		pthread_cond_signal(&m->cond);
	}
	pthread_mutex_unlock(&m->lock);
	if (dead)
		modem_gammu_err(err, errlen, "modem timed out earlier: reopen");
	return dead ? -1 : 0;
}

/* 1 when the watchdog has aborted a call: the handle is dead. */
int
modem_gammu_dead(struct modem_gammu *m)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	dead = m->aborted || m->spoilt;
	pthread_mutex_unlock(&m->lock);
	return dead;
}

/* Makes the handle dead for every later call, the one going on excepted
 * (its disarm succeeds): libgammu's state is unsure after it. */
void
modem_gammu_spoil(struct modem_gammu *m)
{
	pthread_mutex_lock(&m->lock);
	m->spoilt = 1;
	pthread_mutex_unlock(&m->lock);
}

/* Makes the handle dead, as an aborted call does: for a command of our own
 * that the modem did not answer. */
void
modem_gammu_kill(struct modem_gammu *m)
{
	pthread_mutex_lock(&m->lock);
	m->aborted = 1;
	pthread_mutex_unlock(&m->lock);
}

/*
 * Ends the call armed last. Returns 0, or -1 and err when the watchdog cut
 * it short (whatever libgammu returned is then meaningless).
 */
int
modem_gammu_disarm(struct modem_gammu *m, char *err, size_t errlen)
{
	int dead;

	pthread_mutex_lock(&m->lock);
	m->armed = 0;
	dead = m->aborted;
	pthread_mutex_unlock(&m->lock);
	if (dead)
		modem_gammu_err(err, errlen, "modem did not answer in time");
	return dead ? -1 : 0;
}
