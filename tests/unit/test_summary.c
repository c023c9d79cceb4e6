/*
 * test_summary.c - one reading of a real spool: jobs sorted into their
 * states (dead apart from failed), the last success per ref, what was
 * deployed, the oldest pending job, and the builder's run file, live and
 * stale.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "job.h"
#include "spool.h"
#include "spool_jobs.h"
#include "summary.h"
#include "util.h"

#define C40 "0123456789abcdef0123456789abcdef01234567"
#define D40 "fedcba9876543210fedcba9876543210fedcba98"

struct fixture {
	char		 dir[64];
	struct spool	 sp;
	struct summary	 s;
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/test_summary.XXXXXX");
	*state = fx;
	return spool_jobs_setup(fx->dir, &fx->sp);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int r;

	summary_release(&fx->s);
	spool_close(&fx->sp);
	r = remove_tree(fx->dir);
	free(fx);
	return r;
}

/* A job in the fixture's spool: see spool_jobs_add(). */
static void
add_job(struct fixture *fx, const char *commit, const char *ref, time_t t,
    enum spool_dir to, enum job_result result, time_t started,
    time_t finished)
{
	spool_jobs_add(&fx->sp, commit, ref, t, to, result, started, finished);
}

/* Write text as the spool's run file. */
static void
write_run(struct fixture *fx, const char *text)
{
	int fd;

	fd = openat(fx->sp.fd, SPOOL_RUN,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_summary_load_sorts_states(void **state)
{
	struct fixture *fx = *state;

	add_job(fx, C40, "refs/heads/main", 100, SPOOL_NEW, JOB_RESULT_NONE,
	    0, 0);
	add_job(fx, C40, "refs/heads/main", 101, SPOOL_ACTIVE,
	    JOB_RESULT_NONE, 110, 0);
	add_job(fx, C40, "refs/heads/a", 102, SPOOL_FAILED,
	    JOB_RESULT_FAILED, 110, 120);
	add_job(fx, C40, "refs/heads/b", 103, SPOOL_FAILED, JOB_RESULT_DEAD,
	    110, 120);
	add_job(fx, D40, "refs/heads/b", 104, SPOOL_FAILED, JOB_RESULT_DEAD,
	    110, 120);
	add_job(fx, C40, "refs/heads/main", 105, SPOOL_DONE,
	    JOB_RESULT_BUILT, 110, 130);

	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_int_equal(fx->s.lists[SUMMARY_PENDING].n, 1);
	assert_int_equal(fx->s.lists[SUMMARY_ACTIVE].n, 1);
	assert_int_equal(fx->s.lists[SUMMARY_FAILED].n, 1);
	assert_int_equal(fx->s.lists[SUMMARY_DEAD].n, 2);
	assert_int_equal(fx->s.lists[SUMMARY_DONE].n, 1);
	assert_false(fx->s.run.present);
}

static void
test_summary_load_lists_unreadable(void **state)
{
	struct fixture *fx = *state;
	int fd;

	fd = openat(fx->sp.dirs[SPOOL_NEW], "1.2.3.0", O_WRONLY | O_CREAT,
	    0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "junk\n", 5), 0);
	assert_int_equal(close(fd), 0);

	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_int_equal(fx->s.lists[SUMMARY_PENDING].n, 0);
	assert_int_equal(fx->s.lists[SUMMARY_PENDING].bad.n, 1);
	assert_non_null(strstr(fx->s.lists[SUMMARY_PENDING].bad.v[0],
	    "1.2.3.0: "));
}

static void
test_summary_last_built_and_last_success(void **state)
{
	struct fixture *fx = *state;

	add_job(fx, C40, "refs/heads/main", 100, SPOOL_DONE,
	    JOB_RESULT_BUILT, 100, 200);
	add_job(fx, D40, "refs/tags/v1", 101, SPOOL_DONE, JOB_RESULT_BUILT,
	    100, 150);
	add_job(fx, D40, "refs/heads/main", 102, SPOOL_DONE,
	    JOB_RESULT_ALREADY_BUILT, 300, 300);
	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_string_equal(summary_last_built(&fx->s)->commit, C40);
	assert_int_equal(summary_last_success(&fx->s)->finished, 300);
}

static void
test_summary_last_built_none(void **state)
{
	struct fixture *fx = *state;

	add_job(fx, C40, "refs/heads/main", 100, SPOOL_DONE,
	    JOB_RESULT_SUPERSEDED, 0, 100);
	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_null(summary_last_built(&fx->s));
	assert_null(summary_last_success(&fx->s));
}

static void
test_summary_per_ref_newest_each(void **state)
{
	struct fixture *fx = *state;
	const struct job **v;
	size_t n;

	add_job(fx, C40, "refs/tags/v1", 100, SPOOL_DONE, JOB_RESULT_BUILT,
	    100, 200);
	add_job(fx, C40, "refs/heads/main", 101, SPOOL_DONE,
	    JOB_RESULT_BUILT, 100, 300);
	add_job(fx, D40, "refs/heads/main", 102, SPOOL_DONE,
	    JOB_RESULT_BUILT, 100, 250);
	add_job(fx, D40, "refs/heads/x", 103, SPOOL_DONE,
	    JOB_RESULT_SUPERSEDED, 0, 400);
	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	v = summary_per_ref(&fx->s, &n);

	assert_int_equal(n, 2);
	assert_string_equal(v[0]->ref, "refs/heads/main");
	assert_string_equal(v[0]->commit, C40);
	assert_string_equal(v[1]->ref, "refs/tags/v1");
	free(v);
}

static void
test_summary_oldest_pending_min(void **state)
{
	struct fixture *fx = *state;

	add_job(fx, C40, "refs/heads/a", 300, SPOOL_NEW, JOB_RESULT_NONE,
	    0, 0);
	add_job(fx, C40, "refs/heads/b", 200, SPOOL_NEW, JOB_RESULT_NONE,
	    0, 0);
	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_int_equal(summary_oldest_pending(&fx->s), 200);
}

static void
test_summary_oldest_pending_none(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_int_equal(summary_oldest_pending(&fx->s), 0);
}

static void
test_summary_run_parse_fields(void **state)
{
	struct summary_run run;

	assert_int_equal(summary_run_parse(&run,
	    "pid=42\njob=1.2.3.0\nstarted=1700000000\nextra=x\n"), 0);

	assert_true(run.present);
	assert_int_equal(run.pid, 42);
	assert_string_equal(run.job, "1.2.3.0");
	assert_int_equal(run.started, 1700000000);
}

static void
test_summary_run_parse_without_pid(void **state)
{
	struct summary_run run;

	assert_int_equal(summary_run_parse(&run, "job=1.2.3.0\n"), -1);
}

static void
test_summary_run_parse_bad_number(void **state)
{
	struct summary_run run;

	assert_int_equal(summary_run_parse(&run, "pid=12x\n"), -1);
}

static void
test_summary_load_run_live(void **state)
{
	struct fixture *fx = *state;
	char text[128];

	snprintf(text, sizeof(text), "pid=%ld\njob=1.2.3.0\nstarted=5\n",
	    (long)getpid());
	write_run(fx, text);

	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_true(fx->s.run.present);
	assert_false(fx->s.run.stale);
	assert_string_equal(fx->s.run.job, "1.2.3.0");
}

static void
test_summary_load_run_stale(void **state)
{
	struct fixture *fx = *state;
	char text[128];
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(text, sizeof(text), "pid=%ld\njob=1.2.3.0\nstarted=5\n",
	    (long)pid);
	write_run(fx, text);

	assert_int_equal(summary_load(&fx->s, &fx->sp), 0);

	assert_true(fx->s.run.present);
	assert_true(fx->s.run.stale);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_summary_load_sorts_states),
		T(test_summary_load_lists_unreadable),
		T(test_summary_last_built_and_last_success),
		T(test_summary_last_built_none),
		T(test_summary_per_ref_newest_each),
		T(test_summary_oldest_pending_min),
		T(test_summary_oldest_pending_none),
		T(test_summary_run_parse_fields),
		T(test_summary_run_parse_without_pid),
		T(test_summary_run_parse_bad_number),
		T(test_summary_load_run_live),
		T(test_summary_load_run_stale),
	};

	return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
