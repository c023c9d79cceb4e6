/*
 * spool_jobs.c - a spool with jobs in given states, for unit tests.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spool_jobs.h"
#include "util.h"

int
spool_jobs_setup(char *dir, struct spool *sp)
{
	char *path;
	int r;

	if (mkdtemp(dir) == NULL)
		return -1;
	path = xasprintf("%s/spool", dir);
	r = spool_open(sp, path, true);
	free(path);
	return r;
}

void
spool_jobs_add(struct spool *sp, const char *commit, const char *ref,
    time_t t, enum spool_dir to, enum job_result result, time_t started,
    time_t finished)
{
	struct job job;

	job_init(&job);
	snprintf(job.commit, sizeof(job.commit), "%s", commit);
	job.ref = xstrdup(ref);
	job.enqueued = t;
	assert_int_equal(spool_enqueue(sp, &job), 0);
	job.result = result;
	job.started = started;
	job.finished = finished;
	job.attempts = result == JOB_RESULT_NONE ? 0 : 1;
	if (result == JOB_RESULT_FAILED)
		job.next_try = finished + 60;
	if (result == JOB_RESULT_FAILED || result == JOB_RESULT_DEAD)
		job_set_error(&job, "build failed");
	if (to != SPOOL_NEW)
		assert_int_equal(spool_store(sp, &job, SPOOL_NEW, to), 0);
	job_release(&job);
}
