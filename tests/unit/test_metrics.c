/*
 * test_metrics.c - the metrics file: written from a real spool, read
 * back and parsed; replaced whole, readable by the collector, no
 * temporary file left; nothing written when the key is empty.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "job.h"
#include "metrics.h"
#include "spool.h"
#include "spool_jobs.h"
#include "util.h"

#define C40 "0123456789abcdef0123456789abcdef01234567"

struct fixture {
	char		 dir[64];
	struct spool	 sp;
	struct conf	 cf;		/* only metrics_textfile set */
	char		*text;		/* the file, read back */
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/test_metrics.XXXXXX");
	*state = fx;
	if (spool_jobs_setup(fx->dir, &fx->sp) < 0)
		return -1;
	fx->cf.metrics_textfile = xasprintf("%s/pushbuild.prom", fx->dir);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	int r;

	spool_close(&fx->sp);
	free(fx->cf.metrics_textfile);
	free(fx->text);
	r = remove_tree(fx->dir);
	free(fx);
	return r;
}

/* A job of main in the fixture's spool: see spool_jobs_add(). */
static void
add_job(struct fixture *fx, time_t t, enum spool_dir to,
    enum job_result result, time_t started, time_t finished)
{
	spool_jobs_add(&fx->sp, C40, "refs/heads/main", t, to, result,
	    started, finished);
}

/* Read the metrics file into fx->text. */
static void
read_back(struct fixture *fx)
{
	size_t len;
	int fd;

	free(fx->text);
	fd = open(fx->cf.metrics_textfile, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read_all(fd, 1 << 20, &fx->text, &len), 0);
	close(fd);
}

/* The value of the sample line that starts with "name ", or -1. */
static long long
sample(const struct fixture *fx, const char *name)
{
	const char *p = fx->text;
	size_t len = strlen(name);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return -1;
}

/* How many entries of the fixture's directory start with '.'. */
static int
hidden_files(const struct fixture *fx)
{
	struct dirent *de;
	DIR *d = opendir(fx->dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_metrics_write_counts_states(void **state)
{
	struct fixture *fx = *state;

	add_job(fx, 100, SPOOL_NEW, JOB_RESULT_NONE, 0, 0);
	add_job(fx, 101, SPOOL_NEW, JOB_RESULT_NONE, 0, 0);
	add_job(fx, 102, SPOOL_FAILED, JOB_RESULT_DEAD, 110, 120);
	add_job(fx, 103, SPOOL_DONE, JOB_RESULT_BUILT, 110, 130);

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), 0);

	read_back(fx);
	assert_int_equal(sample(fx, "pushbuild_jobs{state=\"pending\"}"), 2);
	assert_int_equal(sample(fx, "pushbuild_jobs{state=\"active\"}"), 0);
	assert_int_equal(sample(fx, "pushbuild_jobs{state=\"failed\"}"), 0);
	assert_int_equal(sample(fx, "pushbuild_jobs{state=\"dead\"}"), 1);
	assert_int_equal(sample(fx, "pushbuild_jobs{state=\"done\"}"), 1);
}

static void
test_metrics_write_times(void **state)
{
	struct fixture *fx = *state;
	time_t now = time(NULL);
	long long age;

	add_job(fx, now - 50, SPOOL_NEW, JOB_RESULT_NONE, 0, 0);
	add_job(fx, 100, SPOOL_DONE, JOB_RESULT_BUILT, 1000, 1042);
	add_job(fx, 101, SPOOL_DONE, JOB_RESULT_ALREADY_BUILT, 2000, 2001);

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), 0);

	read_back(fx);
	age = sample(fx, "pushbuild_oldest_pending_seconds");
	assert_true(age >= 50 && age < 60);
	assert_int_equal(sample(fx,
	    "pushbuild_last_success_timestamp_seconds"), 2001);
	assert_int_equal(sample(fx, "pushbuild_last_build_duration_seconds"),
	    42);
	assert_non_null(strstr(fx->text,
	    "# TYPE pushbuild_last_build_duration_seconds gauge\n"));
}

static void
test_metrics_write_empty_spool_zeros(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), 0);

	read_back(fx);
	assert_int_equal(sample(fx, "pushbuild_oldest_pending_seconds"), 0);
	assert_int_equal(sample(fx,
	    "pushbuild_last_success_timestamp_seconds"), 0);
}

static void
test_metrics_write_replaces_readable(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	int fd;

	fd = open(fx->cf.metrics_textfile, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write_all(fd, "old\n", 4), 0);
	close(fd);

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), 0);

	read_back(fx);
	assert_null(strstr(fx->text, "old\n"));
	assert_int_equal(stat(fx->cf.metrics_textfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(hidden_files(fx), 0);
}

static void
test_metrics_write_off_when_empty(void **state)
{
	struct fixture *fx = *state;
	char *path = fx->cf.metrics_textfile;

	fx->cf.metrics_textfile = "";

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), 0);

	fx->cf.metrics_textfile = path;
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_metrics_write_missing_dir_fails(void **state)
{
	struct fixture *fx = *state;
	char *path = fx->cf.metrics_textfile;

	fx->cf.metrics_textfile = xasprintf("%s/no/such.prom", fx->dir);

	assert_int_equal(metrics_write(&fx->cf, &fx->sp), -1);

	free(fx->cf.metrics_textfile);
	fx->cf.metrics_textfile = path;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_metrics_write_counts_states),
		T(test_metrics_write_times),
		T(test_metrics_write_empty_spool_zeros),
		T(test_metrics_write_replaces_readable),
		T(test_metrics_write_off_when_empty),
		T(test_metrics_write_missing_dir_fails),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
