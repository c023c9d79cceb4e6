/*
 * test_run.c - run_command() against real processes: exit codes, signals,
 * output routing, working directory, environment, timeouts and the stop
 * flag.  Everything is written under one mkdtemp directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"
#include "util.h"

static char *test_envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
static volatile sig_atomic_t test_stop;

/* Make a temporary directory for one test. */
static int
setup_tmp(void **state)
{
	char *dir = xstrdup("/tmp/test_run.XXXXXX");

	if (mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

/* Remove the test's temporary directory. */
static int
teardown_tmp(void **state)
{
	int r = remove_tree(*state);

	free(*state);
	return r;
}

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read a whole small file into a new string. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read_all(fd, 1 << 20, &buf, &len), 0);
	close(fd);
	return buf;
}

/*
 * True once pid is dead: gone, or a zombie waiting for an init that may
 * be slow to reap orphans.  Waits up to 3 s.
 */
static bool
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool gone;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	for (i = 0; i < 30; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return kill(pid, 0) < 0 && errno == ESRCH;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		gone = p != NULL && p[1] == ' ' && p[2] == 'Z';
		if (gone)
			return true;
		usleep(100000);
	}
	return false;
}

/* Run argv with the test environment and the given options. */
static int
run_argv(struct run *r, const char *arg0, ...)
{
	static char *argv[16];
	va_list ap;
	int i = 0;

	va_start(ap, arg0);
	for (argv[i] = (char *)arg0; argv[i] != NULL && i < 15; )
		argv[++i] = va_arg(ap, char *);
	va_end(ap);
	r->argv = argv;
	if (r->envp == NULL)
		r->envp = test_envp;
	return run_command(r);
}

/* SIGALRM handler of the stop test: ask the child to stop. */
static void
on_alarm(int sig)
{
	test_stop = 1;
}

static void
test_run_command_exit_status(void **state)
{
	struct run r = RUN_INIT;

	assert_int_equal(run_argv(&r, "/bin/sh", "-c", "exit 3", NULL), 0);

	assert_int_equal(r.status, 3);
	assert_false(r.timed_out);
	assert_false(r.interrupted);
	run_release(&r);
}

static void
test_run_command_signal_status(void **state)
{
	struct run r = RUN_INIT;

	assert_int_equal(run_argv(&r, "/bin/sh", "-c", "kill -USR1 $$",
	    NULL), 0);

	assert_int_equal(r.status, 128 + SIGUSR1);
	run_release(&r);
}

static void
test_run_command_ignored_signal_reset(void **state)
{
	struct run r = RUN_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;

	sigaction(SIGINT, &ign, &old);

	assert_int_equal(run_argv(&r, "/bin/sh", "-c", "kill -INT $$",
	    NULL), 0);
	sigaction(SIGINT, &old, NULL);

	assert_int_equal(r.status, 128 + SIGINT);
	run_release(&r);
}

static void
test_run_command_capture_stdout(void **state)
{
	struct run r = RUN_INIT;

	r.capture = true;

	assert_int_equal(run_argv(&r, "/bin/sh", "-c",
	    "echo hello; echo noise >&2", NULL), 0);

	assert_string_equal(r.out, "hello\n");
	assert_int_equal(r.outlen, 6);
	run_release(&r);
}

static void
test_run_command_capture_bounded(void **state)
{
	struct run r = RUN_INIT;

	r.capture = true;

	assert_int_equal(run_argv(&r, "/usr/bin/head", "-c", "3000000",
	    "/dev/zero", NULL), 0);

	assert_int_equal(r.status, 0);
	assert_int_equal(r.outlen, RUN_CAPTURE_MAX);
	run_release(&r);
}

static void
test_run_command_output_to_log(void **state)
{
	char *log = xasprintf("%s/log", (char *)*state), *text;
	struct run r = RUN_INIT;

	r.log_fd = open(log, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(r.log_fd >= 0);

	assert_int_equal(run_argv(&r, "/bin/sh", "-c",
	    "echo oops >&2; sleep 0.1; echo out", NULL), 0);
	close(r.log_fd);

	text = slurp(log);
	assert_string_equal(text, "oops\nout\n");
	assert_string_equal(r.tail, "oops\nout\n");
	free(text);
	free(log);
	run_release(&r);
}

static void
test_run_command_tail_keeps_end(void **state)
{
	struct run r = RUN_INIT;

	assert_int_equal(run_argv(&r, "/bin/sh", "-c",
	    "head -c 100000 /dev/zero | tr '\\0' x; echo; echo last line",
	    NULL), 0);

	assert_int_equal(r.taillen, RUN_TAIL_MAX - 1);
	assert_non_null(strstr(r.tail, "x\nlast line\n"));
	run_release(&r);
}

static void
test_run_command_echo_to_stdout(void **state)
{
	char *path = xasprintf("%s/stdout", (char *)*state), *text;
	struct run r = RUN_INIT;
	int fd, saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	r.echo = true;

	assert_int_equal(run_argv(&r, "/bin/echo", "seen", NULL), 0);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	text = slurp(path);
	assert_string_equal(text, "seen\n");
	free(text);
	free(path);
	run_release(&r);
}

static void
test_run_command_working_directory(void **state)
{
	char real[PATH_MAX], *want;
	struct run r = RUN_INIT;

	assert_non_null(realpath(*state, real));
	want = xasprintf("%s\n", real);
	r.dir = *state;
	r.capture = true;

	assert_int_equal(run_argv(&r, "/bin/sh", "-c", "pwd -P", NULL), 0);

	assert_string_equal(r.out, want);
	free(want);
	run_release(&r);
}

static void
test_run_command_missing_program(void **state)
{
	struct run r = RUN_INIT;
	int ret;

	ret = run_argv(&r, "/nonexistent/program", NULL);

	assert_int_equal(ret, -1);
	assert_int_equal(errno, ENOENT);
	run_release(&r);
}

static void
test_run_command_timeout_kills_group(void **state)
{
	char *pidfile = xasprintf("%s/pid", (char *)*state), *cmd, *text;
	struct run r = RUN_INIT;
	double t0;

	cmd = xasprintf("sleep 100 & echo $! > %s; wait", pidfile);
	r.timeout = 1;
	t0 = now_s();

	assert_int_equal(run_argv(&r, "/bin/sh", "-c", cmd, NULL), 0);

	assert_true(now_s() - t0 < 5);
	assert_true(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	text = slurp(pidfile);
	assert_true(pid_gone((pid_t)atol(text)));
	free(text);
	free(cmd);
	free(pidfile);
	run_release(&r);
}

static void
test_run_command_stop_flag_interrupts(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct run r = RUN_INIT;
	double t0;

	sigaction(SIGALRM, &sa, &old);
	test_stop = 0;
	run_stop_flag = &test_stop;
	alarm(1);
	t0 = now_s();

	assert_int_equal(run_argv(&r, "/bin/sleep", "100", NULL), 0);
	run_stop_flag = NULL;
	sigaction(SIGALRM, &old, NULL);

	assert_true(now_s() - t0 < 5);
	assert_true(r.interrupted);
	assert_false(r.timed_out);
	assert_int_equal(r.status, 128 + SIGTERM);
	run_release(&r);
}

static void
test_run_command_exact_environment(void **state)
{
	char *envp[] = { "A=1", "B=two words", NULL };
	struct run r = RUN_INIT;

	r.envp = envp;
	r.capture = true;

	assert_int_equal(run_argv(&r, "/usr/bin/env", NULL), 0);

	assert_string_equal(r.out, "A=1\nB=two words\n");
	run_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_command_exit_status),
		cmocka_unit_test(test_run_command_signal_status),
		cmocka_unit_test(test_run_command_ignored_signal_reset),
		cmocka_unit_test(test_run_command_capture_stdout),
		cmocka_unit_test(test_run_command_capture_bounded),
		cmocka_unit_test_setup_teardown(test_run_command_output_to_log,
		    setup_tmp, teardown_tmp),
		cmocka_unit_test(test_run_command_tail_keeps_end),
		cmocka_unit_test_setup_teardown(
		    test_run_command_echo_to_stdout, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(
		    test_run_command_working_directory, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_run_command_missing_program),
		cmocka_unit_test_setup_teardown(
		    test_run_command_timeout_kills_group, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_run_command_stop_flag_interrupts),
		cmocka_unit_test(test_run_command_exact_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
