/*
 * test_spool.c - the spool on a real file system: layout and modes,
 * durable enqueue, unique sorted names from concurrent processes, the
 * refusals of spool_read, the builder lock held by another process, and
 * a full disk (a small tmpfs; needs root, as in CI).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "job.h"
#include "log.h"
#include "spool.h"
#include "util.h"

#define C40 "0123456789abcdef0123456789abcdef01234567"

/* The per-test state: a temporary directory and a spool inside it. */
struct fixture {
	char		 dir[64];
	char		*path;		/* dir/spool */
	char		*mnt;		/* a tmpfs mounted here, or NULL */
	struct spool	 sp;
	bool		 open;
	char		*text;		/* the last slurp() */
};

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/test_spool.XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->path = xasprintf("%s/spool", fx->dir);
	*state = fx;
	return 0;
}

/* Open the fixture's spool, creating it. */
static void
fixture_open(struct fixture *fx)
{
	assert_int_equal(spool_open(&fx->sp, fx->path, true), 0);
	fx->open = true;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->open)
		spool_close(&fx->sp);
	if (fx->mnt != NULL && umount2(fx->mnt, MNT_DETACH) < 0)
		perror("umount");
	free(fx->mnt);
	free(fx->text);
	remove_tree(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

/* A small valid job for ref. */
static void
job_sample(struct job *job, const char *ref)
{
	job_init(job);
	strcpy(job->commit, C40);
	job->ref = xstrdup(ref);
	job->source = JOB_SOURCE_MANUAL;
}

/* The number of listed entries of d. */
static size_t
count(struct spool *sp, enum spool_dir d)
{
	struct strv names = STRV_INIT;
	size_t n;

	assert_int_equal(spool_list(sp, d, &names), 0);
	n = names.n;
	strv_clear(&names);
	return n;
}

/* The number of entries of sub-directory sub, hidden ones included. */
static size_t
count_all(struct fixture *fx, const char *sub)
{
	char *path = xasprintf("%s/%s", fx->path, sub);
	DIR *dir = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dir);
	free(path);
	return n;
}

/* Write text into path, which must not exist. */
static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	assert_int_equal(close(fd), 0);
}

/* The content of the spool's file rel; valid until the next call. */
static const char *
slurp(struct fixture *fx, const char *rel)
{
	char *path = xasprintf("%s/%s", fx->path, rel);
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	size_t len;

	free(path);
	free(fx->text);
	fx->text = NULL;
	assert_true(fd >= 0);
	assert_int_equal(read_all(fd, 1 << 20, &fx->text, &len), 0);
	close(fd);
	return fx->text;
}

/* The mode bits of path, not following a symlink. */
static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
test_spool_open_creates_layout_under_umask_077(void **state)
{
	struct fixture *fx = *state;
	char path[256];
	mode_t old = umask(077);
	int d;

	fixture_open(fx);
	umask(old);

	assert_int_equal(mode_of(fx->path), SPOOL_DIR_MODE);
	for (d = 0; d < SPOOL_NDIRS; d++) {
		snprintf(path, sizeof(path), "%s/%s", fx->path,
		    spool_dir_name(d));
		assert_int_equal(mode_of(path), SPOOL_DIR_MODE);
	}
}

static void
test_spool_open_without_create_missing_fails(void **state)
{
	struct fixture *fx = *state;
	struct spool sp;

	assert_int_equal(spool_open(&sp, fx->path, false), -1);

	assert_non_null(strstr(log_last(), fx->path));
}

static void
test_spool_open_symlink_as_new_refused(void **state)
{
	struct fixture *fx = *state;
	char new[256], elsewhere[256];
	struct spool sp;

	fixture_open(fx);
	snprintf(new, sizeof(new), "%s/new", fx->path);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", fx->dir);
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	assert_int_equal(rmdir(new), 0);
	assert_int_equal(symlink(elsewhere, new), 0);

	assert_int_equal(spool_open(&sp, fx->path, true), -1);
	assert_non_null(strstr(log_last(), new));
	assert_non_null(strstr(log_last(), "symlink"));
	assert_int_equal(spool_open(&sp, fx->path, false), -1);
}

static void
test_spool_enqueue_leaves_one_file_in_new(void **state)
{
	struct fixture *fx = *state;
	struct job job, back;
	char err[256], path[256];
	mode_t old = umask(077);

	fixture_open(fx);
	job_sample(&job, "refs/heads/main");

	assert_int_equal(spool_enqueue(&fx->sp, &job), 0);
	umask(old);

	assert_int_equal(count(&fx->sp, SPOOL_NEW), 1);
	assert_int_equal(count_all(fx, "tmp"), 0);
	assert_int_equal(spool_read(&fx->sp, SPOOL_NEW, job.name, &back, err,
	    sizeof(err)), 0);
	assert_string_equal(back.name, job.name);
	assert_string_equal(back.ref, "refs/heads/main");
	assert_true(back.enqueued > 0);
	snprintf(path, sizeof(path), "%s/new/%s", fx->path, job.name);
	assert_int_equal(mode_of(path), SPOOL_FILE_MODE);
	job_release(&job);
	job_release(&back);
}

static void
test_spool_enqueue_names_unique_and_sorted(void **state)
{
	struct fixture *fx = *state;
	struct strv queued = STRV_INIT, names = STRV_INIT;
	struct job job;
	size_t i;

	fixture_open(fx);

	for (i = 0; i < 300; i++) {
		job_sample(&job, "refs/heads/main");
		assert_int_equal(spool_enqueue(&fx->sp, &job), 0);
		assert_true(strlen(job.name) < JOB_NAME_MAX);
		strv_push(&queued, job.name);
		job_release(&job);
	}

	assert_int_equal(spool_list(&fx->sp, SPOOL_NEW, &names), 0);
	assert_int_equal(names.n, 300);
	for (i = 0; i < names.n; i++)
		assert_string_equal(names.v[i], queued.v[i]);
	for (i = 1; i < names.n; i++)
		assert_true(strcmp(names.v[i - 1], names.v[i]) < 0);
	strv_clear(&queued);
	strv_clear(&names);
}

/* In a child: enqueue n jobs, then exit 0, or 1 on the first failure. */
static void
child_enqueue(struct spool *sp, int n)
{
	struct job job;
	int i;

	for (i = 0; i < n; i++) {
		job_sample(&job, "refs/heads/child");
		if (spool_enqueue(sp, &job) < 0)
			_exit(1);
		job_release(&job);
	}
	_exit(0);
}

static void
test_spool_enqueue_concurrent_writers(void **state)
{
	struct fixture *fx = *state;
	struct strv names = STRV_INIT;
	pid_t pids[4];
	int i, status;
	size_t k;

	fixture_open(fx);

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			child_enqueue(&fx->sp, 100);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	assert_int_equal(spool_list(&fx->sp, SPOOL_NEW, &names), 0);
	assert_int_equal(names.n, 400);
	for (k = 1; k < names.n; k++)
		assert_true(strcmp(names.v[k - 1], names.v[k]) < 0);
	assert_int_equal(count_all(fx, "tmp"), 0);
	strv_clear(&names);
}

/* spool_read of new/name must return 1 with a reason containing want. */
static void
assert_read_invalid(struct fixture *fx, const char *name, const char *want)
{
	struct job job;
	char err[256] = "";

	assert_int_equal(spool_read(&fx->sp, SPOOL_NEW, name, &job, err,
	    sizeof(err)), 1);
	if (strstr(err, want) == NULL)
		fail_msg("reason '%s' lacks '%s'", err, want);
	assert_null(job.ref);
}

static void
test_spool_read_symlink_invalid(void **state)
{
	struct fixture *fx = *state;
	char target[256], link[256];
	struct job job;

	fixture_open(fx);
	job_sample(&job, "refs/heads/main");
	assert_int_equal(spool_enqueue(&fx->sp, &job), 0);
	snprintf(target, sizeof(target), "%s/new/%s", fx->path, job.name);
	snprintf(link, sizeof(link), "%s/new/link", fx->path);
	assert_int_equal(symlink(target, link), 0);

	assert_read_invalid(fx, "link", "is a symlink");
	job_release(&job);
}

static void
test_spool_read_fifo_invalid(void **state)
{
	struct fixture *fx = *state;
	char path[256];

	fixture_open(fx);
	snprintf(path, sizeof(path), "%s/new/fifo", fx->path);
	assert_int_equal(mkfifo(path, 0600), 0);

	assert_read_invalid(fx, "fifo", "not a regular file");
}

static void
test_spool_read_large_file_invalid(void **state)
{
	struct fixture *fx = *state;
	char path[256];
	int fd;

	fixture_open(fx);
	snprintf(path, sizeof(path), "%s/new/big", fx->path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 10 * 1024 * 1024), 0);
	assert_int_equal(close(fd), 0);

	assert_read_invalid(fx, "big", "larger than 65536 bytes");
}

static void
test_spool_read_garbage_invalid(void **state)
{
	struct fixture *fx = *state;
	char path[256];

	fixture_open(fx);
	snprintf(path, sizeof(path), "%s/new/garbage", fx->path);
	write_file(path, "#!/bin/sh\nrm -rf /\n");

	assert_read_invalid(fx, "garbage", "line 1: no '=' in line");
}

static void
test_spool_read_long_name_invalid(void **state)
{
	struct fixture *fx = *state;
	char name[JOB_NAME_MAX + 1], path[256];

	fixture_open(fx);
	memset(name, 'n', JOB_NAME_MAX);
	name[JOB_NAME_MAX] = '\0';
	snprintf(path, sizeof(path), "%s/new/%s", fx->path, name);
	write_file(path, "version=1\n");

	assert_read_invalid(fx, name, "name longer than 63 bytes");
}

static void
test_spool_read_missing_is_system_error(void **state)
{
	struct fixture *fx = *state;
	struct job job;
	char err[256];

	fixture_open(fx);

	assert_int_equal(spool_read(&fx->sp, SPOOL_NEW, "gone", &job, err,
	    sizeof(err)), -1);
}

static void
test_spool_lock_held_by_other_process(void **state)
{
	struct fixture *fx = *state;
	int fds[2], status;
	char c;
	pid_t pid;

	fixture_open(fx);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		c = spool_lock(&fx->sp) == 0 ? 'y' : 'n';
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, 'y');

	assert_int_equal(spool_lock(&fx->sp), 1);

	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(spool_lock(&fx->sp), 0);
	close(fds[0]);
	close(fds[1]);
}

static void
test_spool_store_moves_active_to_done(void **state)
{
	struct fixture *fx = *state;
	struct job job, back;
	char err[256];

	fixture_open(fx);
	job_sample(&job, "refs/heads/main");
	assert_int_equal(spool_enqueue(&fx->sp, &job), 0);
	assert_int_equal(spool_move(&fx->sp, SPOOL_NEW, job.name,
	    SPOOL_ACTIVE), 0);
	job.result = JOB_RESULT_BUILT;
	job.finished = 1764775480;

	assert_int_equal(spool_store(&fx->sp, &job, SPOOL_ACTIVE, SPOOL_DONE),
	    0);

	assert_int_equal(count(&fx->sp, SPOOL_ACTIVE), 0);
	assert_int_equal(count(&fx->sp, SPOOL_NEW), 0);
	assert_int_equal(count_all(fx, "tmp"), 0);
	assert_int_equal(spool_read(&fx->sp, SPOOL_DONE, job.name, &back,
	    err, sizeof(err)), 0);
	assert_int_equal(back.result, JOB_RESULT_BUILT);
	assert_int_equal(back.finished, 1764775480);
	job_release(&job);
	job_release(&back);
}

static void
test_spool_store_in_place_replaces(void **state)
{
	struct fixture *fx = *state;
	struct job job, back;
	char err[256];

	fixture_open(fx);
	job_sample(&job, "refs/heads/main");
	assert_int_equal(spool_enqueue(&fx->sp, &job), 0);
	job.attempts = 3;

	assert_int_equal(spool_store(&fx->sp, &job, SPOOL_NEW, SPOOL_NEW), 0);

	assert_int_equal(count(&fx->sp, SPOOL_NEW), 1);
	assert_int_equal(spool_read(&fx->sp, SPOOL_NEW, job.name, &back,
	    err, sizeof(err)), 0);
	assert_int_equal(back.attempts, 3);
	job_release(&job);
	job_release(&back);
}

static void
test_spool_reject_moves_entry_aside(void **state)
{
	struct fixture *fx = *state;
	char path[256];

	fixture_open(fx);
	snprintf(path, sizeof(path), "%s/new/bad", fx->path);
	write_file(path, "garbage\n");

	assert_int_equal(spool_reject(&fx->sp, SPOOL_NEW, "bad",
	    "line 1: no '=' in line\n"), 0);

	assert_int_equal(count(&fx->sp, SPOOL_NEW), 0);
	assert_int_equal(count(&fx->sp, SPOOL_FAILED), 0);
	assert_int_equal(count_all(fx, "tmp"), 0);
	assert_int_equal(count_all(fx, "failed"), 2);
	assert_string_equal(slurp(fx, "failed/bad.corrupt"), "garbage\n");
	assert_string_equal(slurp(fx, "failed/bad.corrupt.reason"),
	    "line 1: no '=' in line\\x0a\n");
}

static void
test_spool_reject_does_not_follow_symlink(void **state)
{
	struct fixture *fx = *state;
	char target[256], link[256], moved[256];
	struct stat st;

	fixture_open(fx);
	snprintf(target, sizeof(target), "%s/precious", fx->dir);
	snprintf(link, sizeof(link), "%s/new/evil", fx->path);
	snprintf(moved, sizeof(moved), "%s/failed/evil.corrupt", fx->path);
	write_file(target, "keep\n");
	assert_int_equal(symlink(target, link), 0);

	assert_int_equal(spool_reject(&fx->sp, SPOOL_NEW, "evil",
	    "is a symlink"), 0);

	assert_int_equal(lstat(moved, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 5);
}

static void
test_spool_list_skips_hidden_and_rejected(void **state)
{
	struct fixture *fx = *state;
	struct strv names = STRV_INIT;
	const char *files[] = { ".hidden", "a.corrupt", "a.corrupt.reason",
	    "b", "a" };
	char path[256];
	size_t i;

	fixture_open(fx);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/failed/%s", fx->path,
		    files[i]);
		write_file(path, "x\n");
	}

	assert_int_equal(spool_list(&fx->sp, SPOOL_FAILED, &names), 0);

	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[0], "a");
	assert_string_equal(names.v[1], "b");
	strv_clear(&names);
}

static void
test_spool_list_twice_appends_twice(void **state)
{
	struct fixture *fx = *state;
	struct strv names = STRV_INIT;
	struct job job;

	fixture_open(fx);
	job_sample(&job, "refs/heads/main");
	assert_int_equal(spool_enqueue(&fx->sp, &job), 0);

	assert_int_equal(spool_list(&fx->sp, SPOOL_NEW, &names), 0);
	assert_int_equal(spool_list(&fx->sp, SPOOL_NEW, &names), 0);

	assert_int_equal(names.n, 2);
	assert_string_equal(names.v[1], job.name);
	strv_clear(&names);
	job_release(&job);
}

static void
test_spool_log_open_appends(void **state)
{
	struct fixture *fx = *state;
	char path[256];
	mode_t old = umask(077);
	int fd;

	fixture_open(fx);
	fd = spool_log_open(&fx->sp, "job.log");
	umask(old);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "one\n", 4), 0);
	assert_int_equal(close(fd), 0);

	fd = spool_log_open(&fx->sp, "job.log");
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "two\n", 4), 0);
	assert_int_equal(close(fd), 0);

	snprintf(path, sizeof(path), "%s/log/job.log", fx->path);
	assert_int_equal(mode_of(path), SPOOL_FILE_MODE);
	assert_string_equal(slurp(fx, "log/job.log"), "one\ntwo\n");
}

/* Fill the file system holding dir until a write fails with ENOSPC. */
static void
fill_disk(const char *dir)
{
	char block[4096], *path = xasprintf("%s/filler", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	memset(block, 'f', sizeof(block));
	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	free(path);
}

static void
test_spool_enqueue_disk_full_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	struct job job;

	fx->mnt = xasprintf("%s/small", fx->dir);
	assert_int_equal(mkdir(fx->mnt, 0700), 0);
	if (mount("tmpfs", fx->mnt, "tmpfs", 0, "size=64k") < 0)
		fail_msg("mount tmpfs on '%s' (this test needs root): %s",
		    fx->mnt, strerror(errno));
	free(fx->path);
	fx->path = xasprintf("%s/spool", fx->mnt);
	fixture_open(fx);
	fill_disk(fx->mnt);
	job_sample(&job, "refs/heads/main");

	assert_int_equal(spool_enqueue(&fx->sp, &job), -1);

	assert_non_null(strstr(log_last(), "No space left on device"));
	assert_non_null(strstr(log_last(), "/tmp'"));
	assert_int_equal(count_all(fx, "new"), 0);
	assert_int_equal(count_all(fx, "tmp"), 0);
	job_release(&job);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_spool_open_creates_layout_under_umask_077),
		T(test_spool_open_without_create_missing_fails),
		T(test_spool_open_symlink_as_new_refused),
		T(test_spool_enqueue_leaves_one_file_in_new),
		T(test_spool_enqueue_names_unique_and_sorted),
		T(test_spool_enqueue_concurrent_writers),
		T(test_spool_read_symlink_invalid),
		T(test_spool_read_fifo_invalid),
		T(test_spool_read_large_file_invalid),
		T(test_spool_read_garbage_invalid),
		T(test_spool_read_long_name_invalid),
		T(test_spool_read_missing_is_system_error),
		T(test_spool_lock_held_by_other_process),
		T(test_spool_store_moves_active_to_done),
		T(test_spool_store_in_place_replaces),
		T(test_spool_reject_moves_entry_aside),
		T(test_spool_reject_does_not_follow_symlink),
		T(test_spool_list_skips_hidden_and_rejected),
		T(test_spool_list_twice_appends_twice),
		T(test_spool_log_open_appends),
		T(test_spool_enqueue_disk_full_leaves_nothing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
