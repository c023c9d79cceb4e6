/*
 * spool_jobs.h - for unit tests that need a real spool holding jobs in
 * given states: a fresh spool under a mkdtemp directory, and jobs put in
 * it the way the hook and the builder put them.
 */
#ifndef PUSHBUILD_SPOOL_JOBS_H
#define PUSHBUILD_SPOOL_JOBS_H

#include <time.h>

#include "job.h"
#include "spool.h"

/*
 * Make dir (a "/tmp/NAME.XXXXXX" template of size 64) with mkdtemp and
 * open a new spool in dir/spool.  0 or -1.
 */
int spool_jobs_setup(char *dir, struct spool *sp);

/*
 * Queue a job of commit and ref enqueued at t, then store it in to with
 * result, started and finished; a failed or dead job gets one attempt
 * and an error, a failed one a next try a minute after finished.
 */
void spool_jobs_add(struct spool *sp, const char *commit, const char *ref,
    time_t t, enum spool_dir to, enum job_result result, time_t started,
    time_t finished);

#endif
