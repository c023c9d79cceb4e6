/*
 * drain.h - the builder's loop over the spool, and the arch guard.
 */
#ifndef PUSHBUILD_DRAIN_H
#define PUSHBUILD_DRAIN_H

#include <stdbool.h>

#include "conf.h"

/*
 * The arch guard: 0 when uname(2) reports cf->arch; otherwise prints a
 * banner naming the host's and the required architecture and returns -1.
 */
int guard_check(const struct conf *cf);

/*
 * The guard's second half, before a build: the engine must answer, and
 * run images for cf->arch (an emulating engine must not slip through).
 * 0, or an exit code: EX_UNAVAILABLE when the engine does not answer,
 * EXIT_GUARD when it runs images for another architecture (reported).
 */
int guard_engine(const struct conf *cf);

/*
 * Catch SIGTERM and SIGINT: a running engine command is then ended with its
 * whole process group (see run_stop_flag) and drain_run() stops after
 * requeueing its job.  0 or -1 (reported).
 */
int drain_catch_signals(void);

/*
 * pushbuild drain: guard, lock (a second builder returns 0 at once, one
 * line on a terminal), recover active/, then build every job in new/
 * oldest first until none is left.  Returns an exit code (sysexits.h).
 */
int drain_run(const struct conf *cf);

/*
 * Seconds to wait before the next try of a job that failed its attempts-th
 * try: cf->backoff doubled per attempt, at most cf->backoff_max, then moved
 * by up to a tenth either way by noise (any random number).
 */
unsigned drain_backoff(const struct conf *cf, unsigned attempts,
    unsigned noise);

/*
 * pushbuild retry: move each failed job whose next try is due back to
 * new/, then drain.  Returns an exit code.
 */
int retry_run(const struct conf *cf);

/*
 * pushbuild requeue: put the failed or dead job failed/name back in new/
 * with its attempts reset.  Returns an exit code.
 */
int requeue_run(const struct conf *cf, const char *name);

/*
 * pushbuild rollback: queue a job that retags the images of rev (or, when
 * rev is NULL, of the deploy before the current one, from done/) as
 * :latest and restarts, never building, then drain.  Returns an exit code.
 */
int rollback_run(const struct conf *cf, const char *rev);

#endif
