/*
 * log.c - pushbuild log: copy a job's build log to stdout, or follow it
 * while the job is pending or being built.
 *
 * A job may be named by a unique prefix of its name, looked up among the
 * jobs of new/, active/, done/, failed/ and the logs of log/.  Following
 * polls: the log file grows by appends from the builder, and the job's
 * place in the spool says when it is over.  The state is looked at
 * before each copy, so the bytes written before the job left active/ are
 * all copied before the loop ends.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "log.h"
#include "spool.h"

/* How often a followed log and its job are looked at, in milliseconds. */
#define LOG_POLL_MS 200

/* Where a job or its log may be, for prefix lookup. */
static const enum spool_dir log_job_dirs[] = {
	SPOOL_NEW, SPOOL_ACTIVE, SPOOL_DONE, SPOOL_FAILED, SPOOL_LOG
};
#define LOG_NDIRS (sizeof(log_job_dirs) / sizeof(log_job_dirs[0]))

/*
 * The job named arg, or by a unique prefix arg, into name.  Returns 0 or
 * an exit code (reported): EX_NOINPUT for none, EX_USAGE when ambiguous.
 */
static int
log_job_find(struct spool *sp, const char *arg, char name[JOB_NAME_MAX])
{
	struct strv names = STRV_INIT, found = STRV_INIT;
	size_t i, len = strlen(arg);
	int ret = 0;

	for (i = 0; i < LOG_NDIRS; i++)
		if (spool_list(sp, log_job_dirs[i], &names) < 0)
			return strv_clear(&names), EX_IOERR;
	for (i = 0; i < names.n; i++)
		if (strncmp(names.v[i], arg, len) == 0 &&
		    !strv_contains(&found, names.v[i]))
			strv_push(&found, names.v[i]);
	if (strv_contains(&found, arg) || found.n == 1) {
		snprintf(name, JOB_NAME_MAX, "%s",
		    found.n == 1 ? found.v[0] : arg);
	} else if (found.n == 0) {
		log_error("read log '%s': no such job", arg);
		ret = EX_NOINPUT;
	} else {
		log_error("read log '%s': ambiguous, %zu jobs start so",
		    arg, found.n);
		ret = EX_USAGE;
	}
	strv_clear(&found);
	strv_clear(&names);
	return ret;
}

/* Copy what fd holds from its offset to its end to stdout.  0 or -1. */
static int
log_job_copy(int fd, const char *name)
{
	char buf[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_errno("read log '%s'", name);
		if (n == 0)
			return 0;
		if (write_all(STDOUT_FILENO, buf, n) < 0)
			return log_errno("write log");
	}
}

/* True when job name is still pending or being built. */
static bool
log_job_is_live(struct spool *sp, const char *name)
{
	struct stat st;

	return fstatat(sp->dirs[SPOOL_ACTIVE], name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(sp->dirs[SPOOL_NEW], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Open log/name for reading; -1 with errno set when it cannot be.  Only
 * a regular file is a log: a symlink or a FIFO planted there is refused
 * with EINVAL (the FIFO opened without blocking).
 */
static int
log_job_open(struct spool *sp, const char *name)
{
	struct stat st;
	int fd;

	fd = openat(sp->dirs[SPOOL_LOG], name,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		errno = EINVAL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* Report why log/name could not be opened; -1. */
static int
log_job_failed(const char *name)
{
	if (errno == EINVAL)
		return log_error("read log '%s': not a regular file", name);
	return log_errno("read log '%s'", name);
}

/*
 * Copy the log of name as it grows, until the job is neither pending nor
 * active; a log that does not exist yet is waited for.  0 or -1.
 */
static int
log_job_follow(struct spool *sp, const char *name)
{
	const struct timespec poll = { 0, LOG_POLL_MS * 1000000L };
	int fd = -1, ret = 0;
	bool live;

	for (;;) {
		live = log_job_is_live(sp, name);
		if (fd < 0 && (fd = log_job_open(sp, name)) < 0 &&
		    errno != ENOENT) {
			ret = log_job_failed(name);
			break;
		}
		if (fd >= 0 && (ret = log_job_copy(fd, name)) < 0)
			break;
		if (!live)
			break;
		nanosleep(&poll, NULL);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Copy the whole log of name, which must exist.  0 or -1. */
static int
log_job_show(struct spool *sp, const char *name)
{
	int fd, ret;

	if ((fd = log_job_open(sp, name)) < 0) {
		if (errno == ENOENT && log_job_is_live(sp, name))
			return log_error("read log '%s': no log yet, the job "
			    "has not started (try log -f)", name);
		return log_job_failed(name);
	}
	ret = log_job_copy(fd, name);
	close(fd);
	return ret;
}

int
cmd_log(const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct spool sp = { 0 };
	char name[JOB_NAME_MAX];
	bool follow = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return usage();
		follow = true;
	}
	if (argc - optind != 1)
		return usage();
	if (strchr(argv[optind], '/') != NULL || argv[optind][0] == '.' ||
	    argv[optind][0] == '\0') {
		log_error("read log '%s': not a job name", argv[optind]);
		return EX_USAGE;
	}
	if (spool_open(&sp, cf->spool_dir, false) < 0)
		return EX_NOINPUT;
	ret = log_job_find(&sp, argv[optind], name);
	if (ret == 0 && follow)
		ret = log_job_follow(&sp, name) < 0 ? EX_IOERR : 0;
	else if (ret == 0)
		ret = log_job_show(&sp, name) < 0 ? EX_NOINPUT : 0;
	spool_close(&sp);
	return ret;
}
