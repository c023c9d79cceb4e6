/*
 * spool.c - the spool directory, the only state of pushbuild.
 *
 * Layout under the configured path.  The git user (hook) and the builder
 * share it through a group: directories are SPOOL_DIR_MODE (02770, setgid
 * so that new files get the spool's group), files SPOOL_FILE_MODE (0660),
 * both set with fchmod so that the caller's umask does not matter.
 *
 *	lock		empty file; the builder holds flock(LOCK_EX) on it
 *	tmp/		job files being written; never read
 *	new/		pending jobs
 *	active/		jobs a builder has claimed
 *	done/		finished jobs (built, superseded, already built)
 *	failed/		failed and dead jobs, and rejected entries as
 *			NAME.corrupt with the reason in NAME.corrupt.reason
 *	log/		one build log per job
 *
 * Protocol (who creates, locks, renames and deletes what):
 *
 * - Names are SECONDS.NANOSECONDS.PID.COUNTER (CLOCK_REALTIME, zero-padded
 *   except the per-process counter).  Two live processes never share a
 *   pid and one process never repeats its counter, so names are unique;
 *   compared as strings they sort by enqueue time (until the year 2286).
 * - Enqueue (hook, "pushbuild enqueue", retry; any number at once, no
 *   lock): create tmp/NAME with O_CREAT|O_EXCL|O_NOFOLLOW, fchmod, write,
 *   fsync, close; rename it to new/NAME without replacing (renameat2
 *   RENAME_NOREPLACE, or link and unlink where the file system lacks it),
 *   picking a new name if taken; fsync new/.  On failure tmp/NAME is
 *   unlinked and nothing is in new/.
 * - The builder works only while it holds the lock.  It claims a job by
 *   renaming new/NAME to active/NAME (spool_move) and ends it with
 *   spool_store: the new text goes to a fresh tmp/ file, which is renamed
 *   over to/NAME; to/ is fsynced, then from/NAME is unlinked and from/
 *   fsynced.  Every rename is followed by an fsync of both directories.
 * - An entry that is not a valid job is renamed, never followed, to
 *   failed/NAME.corrupt, its reason written through tmp/ into
 *   failed/NAME.corrupt.reason.  spool_list() skips both: they wait for an
 *   operator, who is the only one to delete anything from done/ and
 *   failed/.  Nothing here deletes tmp/ debris; it is never read.
 *
 * What a crash leaves:
 * - during enqueue, before the rename: debris in tmp/, no job; the hook
 *   has not said "queued", so the pusher knows.
 * - after the rename, before the fsync of new/: on power loss the job may
 *   be lost; again the hook has not said "queued" yet.
 * - during a move: the entry is in one directory, never both or neither.
 * - during spool_store: the job in to/, or in from/ unchanged, or in both;
 *   the builder's recovery keeps the one in to/.
 * - a builder that dies holding the lock loses it with its last fd; its
 *   job stays in active/ until the next builder recovers it.
 *
 * Trust: every group member can write here.  Sub-directories are opened
 * with O_NOFOLLOW and every entry relative to their fds with O_NOFOLLOW,
 * checked with fstat to be a regular file before it is read, and parsed
 * strictly (job.c).  The spool path itself is the administrator's choice
 * and may be a symlink: its parent is not writable by the group.
 * Single-threaded: the name counter is a plain static.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "log.h"
#include "spool.h"
#include "util.h"

/* Attempts at a fresh name before giving up (each one is unique anyway). */
#define SPOOL_NAME_TRIES 100

/* Longest entry name quoted in a message, escaped; longer ones are cut. */
#define SPOOL_SHOW_MAX 256

/* Bytes of a rejected name kept in failed/NAME.corrupt(.reason). */
#define SPOOL_REJECT_KEEP 200

/* Numbered names tried for a rejected entry before giving up. */
#define SPOOL_REJECT_TRIES 100

static const char *const spool_dirs[SPOOL_NDIRS] = {
	[SPOOL_TMP] = "tmp",
	[SPOOL_NEW] = "new",
	[SPOOL_ACTIVE] = "active",
	[SPOOL_DONE] = "done",
	[SPOOL_FAILED] = "failed",
	[SPOOL_LOG] = "log",
};

const char *
spool_dir_name(enum spool_dir d)
{
	if ((unsigned)d >= SPOOL_NDIRS)
		return "unknown";
	return spool_dirs[d];
}

/* Set every fd of *sp to -1 and forget the path. */
static void
spool_reset(struct spool *sp)
{
	int d;

	sp->path = NULL;
	sp->fd = -1;
	sp->lockfd = -1;
	for (d = 0; d < SPOOL_NDIRS; d++)
		sp->dirs[d] = -1;
}

/* True when name can only mean an entry of a directory. */
static bool
spool_name_ok(const char *name)
{
	return *name != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Escape an entry name for a message into buf[SPOOL_SHOW_MAX]. */
static const char *
spool_show(char buf[SPOOL_SHOW_MAX], const char *name)
{
	return log_escape(buf, SPOOL_SHOW_MAX, name);
}

/*
 * Give fd (the spool's entry rel, or the spool itself when rel is NULL)
 * the mode mode when this process owns it and it differs; an entry owned
 * by someone else keeps the mode its owner chose.  0 or -1 (reported).
 */
static int
spool_fix_mode(struct spool *sp, int fd, mode_t mode, const char *rel)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return log_errno("stat '%s%s%s'", sp->path,
		    rel == NULL ? "" : "/", rel == NULL ? "" : rel);
	if ((st.st_mode & 07777) == mode || st.st_uid != geteuid())
		return 0;
	if (fchmod(fd, mode) < 0)
		return log_errno("set mode of '%s%s%s'", sp->path,
		    rel == NULL ? "" : "/", rel == NULL ? "" : rel);
	return 0;
}

/* Create (when create) and open the sub-directory d.  0 or -1 (reported). */
static int
spool_open_dir(struct spool *sp, enum spool_dir d, bool create)
{
	const char *name = spool_dirs[d];
	struct stat st;
	int saved;

	if (create && mkdirat(sp->fd, name, SPOOL_DIR_MODE) < 0 &&
	    errno != EEXIST)
		return log_errno("create directory '%s/%s'", sp->path, name);
	sp->dirs[d] = openat(sp->fd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sp->dirs[d] < 0) {
		/* Linux says ENOTDIR or ELOOP for a symlink: tell it apart. */
		saved = errno;
		if (fstatat(sp->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return log_error("open directory '%s/%s': is a symlink",
			    sp->path, name);
		errno = saved;
		return log_errno("open directory '%s/%s'", sp->path, name);
	}
	if (create)
		return spool_fix_mode(sp, sp->dirs[d], SPOOL_DIR_MODE, name);
	return 0;
}

int
spool_open(struct spool *sp, const char *path, bool create)
{
	int d;

	spool_reset(sp);
	sp->path = xstrdup(path);
	if (create && mkdir_p(path, SPOOL_DIR_MODE) < 0)
		goto fail;
	sp->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->fd < 0) {
		log_errno("open spool '%s'", path);
		goto fail;
	}
	if (create && spool_fix_mode(sp, sp->fd, SPOOL_DIR_MODE, NULL) < 0)
		goto fail;
	for (d = 0; d < SPOOL_NDIRS; d++)
		if (spool_open_dir(sp, d, create) < 0)
			goto fail;

	/* Sub-directories just made must survive a crash with their jobs. */
	if (create && fsync_fd(sp->fd) < 0) {
		log_errno("sync directory '%s'", path);
		goto fail;
	}
	return 0;
fail:
	spool_close(sp);
	return -1;
}

void
spool_close(struct spool *sp)
{
	int d;

	if (sp->fd >= 0)
		close(sp->fd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	for (d = 0; d < SPOOL_NDIRS; d++)
		if (sp->dirs[d] >= 0)
			close(sp->dirs[d]);
	free(sp->path);
	spool_reset(sp);
}

/* fsync the sub-directory d.  0 or -1 (reported). */
static int
spool_sync(struct spool *sp, enum spool_dir d)
{
	if (fsync_fd(sp->dirs[d]) < 0)
		return log_errno("sync directory '%s/%s'", sp->path,
		    spool_dirs[d]);
	return 0;
}

/* Read the clock into *ts.  0 or -1 (reported). */
static int
spool_now(struct timespec *ts)
{
	if (clock_gettime(CLOCK_REALTIME, ts) < 0)
		return log_errno("read the clock");
	return 0;
}

/* A fresh job name for time ts into name[JOB_NAME_MAX]. */
static void
spool_name_make(char name[JOB_NAME_MAX], const struct timespec *ts)
{
	static unsigned counter;

	snprintf(name, JOB_NAME_MAX, "%010lld.%09ld.%07d.%u",
	    (long long)ts->tv_sec, (long)ts->tv_nsec, (int)getpid(),
	    counter++);
}

/* A fresh job name for now into name[JOB_NAME_MAX].  0 or -1 (reported). */
static int
spool_name_new(char name[JOB_NAME_MAX])
{
	struct timespec ts;

	if (spool_now(&ts) < 0)
		return -1;
	spool_name_make(name, &ts);
	return 0;
}

/*
 * The text of *job, checked to parse back, so that nothing unreadable is
 * ever written; *len is its length.  Owned by the caller; NULL (reported)
 * when the job cannot be written.
 */
static char *
spool_job_text(const struct job *job, size_t *len)
{
	struct job check;
	char why[256];
	char *text = job_format(job);

	*len = strlen(text);
	if (job_parse(&check, text, *len, why, sizeof(why)) < 0) {
		log_error("write job '%s': invalid job: %s", job->name, why);
		free(text);
		return NULL;
	}
	job_release(&check);
	return text;
}

/*
 * Create tmp/name exclusively and write len bytes of text to it durably.
 * Returns 0, 1 when the name is taken, or -1 (reported, tmp/name gone).
 */
static int
spool_write_tmp(struct spool *sp, const char *name, const char *text,
    size_t len)
{
	int fd, tmp = sp->dirs[SPOOL_TMP];

	fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, SPOOL_FILE_MODE);
	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0)
		return log_errno("create job '%s' in '%s/tmp'", name,
		    sp->path);
	if (fchmod(fd, SPOOL_FILE_MODE) < 0 || write_all(fd, text, len) < 0 ||
	    fsync_fd(fd) < 0) {
		log_errno("write job '%s' into '%s/tmp'", name, sp->path);
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		log_errno("write job '%s' into '%s/tmp'", name, sp->path);
		goto fail;
	}
	return 0;
fail:
	unlinkat(tmp, name, 0);
	return -1;
}

/*
 * Write len bytes of text durably to a new file in tmp/, whose name is
 * chosen like a job name and stored in name[JOB_NAME_MAX] (which may hold
 * a first choice already; "" for none).  0 or -1 (reported).
 */
static int
spool_create_tmp(struct spool *sp, char *name, const char *text,
    size_t len)
{
	int tries, r;

	if (*name == '\0' && spool_name_new(name) < 0)
		return -1;
	for (tries = 0; tries < SPOOL_NAME_TRIES; tries++) {
		r = spool_write_tmp(sp, name, text, len);
		if (r <= 0)
			return r;
		if (spool_name_new(name) < 0)
			return -1;
	}
	return log_error("create job in '%s/tmp': no free name", sp->path);
}

/*
 * Rename fromfd/from to tofd/to unless to exists (then -1 with EEXIST).
 * 0, or -1 with errno set; not reported.
 */
static int
spool_rename_excl(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;

	/* The file system cannot refuse to replace: link, then unlink. */
	if (linkat(fromfd, from, tofd, to, 0) < 0)
		return -1;
	if (unlinkat(fromfd, from, 0) < 0)
		log_warn("remove '%s' after linking it: %s", from,
		    strerror(errno));
	return 0;
}

/*
 * Move tmp/name into new/ under that name, or a fresh one if taken (then
 * stored in name), and fsync new/.  0, or -1 (reported) with tmp/name
 * unlinked and nothing in new/.
 */
static int
spool_publish(struct spool *sp, char name[JOB_NAME_MAX])
{
	char final[JOB_NAME_MAX];
	int tries, tmp = sp->dirs[SPOOL_TMP], new = sp->dirs[SPOOL_NEW];

	memcpy(final, name, JOB_NAME_MAX);
	for (tries = 0; spool_rename_excl(tmp, name, new, final) < 0;
	    tries++) {
		if (errno != EEXIST || tries == SPOOL_NAME_TRIES) {
			log_errno("move job '%s' from '%s/tmp' into '%s/new'",
			    name, sp->path, sp->path);
			unlinkat(tmp, name, 0);
			return -1;
		}
		if (spool_name_new(final) < 0) {
			unlinkat(tmp, name, 0);
			return -1;
		}
	}
	/*
	 * XXX: when the fsync fails a builder may have claimed the job
	 * already and the unlink misses it: the job is built although
	 * enqueue failed.  Rare, and a second push of it is harmless.
	 */
	if (spool_sync(sp, SPOOL_NEW) < 0) {
		unlinkat(new, final, 0);
		return -1;
	}
	memcpy(name, final, JOB_NAME_MAX);
	return 0;
}

int
spool_enqueue(struct spool *sp, struct job *job)
{
	struct timespec ts;
	char *text = NULL;
	size_t len;
	int ret = -1;

	if (spool_now(&ts) < 0)
		return -1;
	if (job->enqueued == 0)
		job->enqueued = ts.tv_sec;
	spool_name_make(job->name, &ts);
	if ((text = spool_job_text(job, &len)) == NULL)
		goto out;
	if (spool_create_tmp(sp, job->name, text, len) < 0)
		goto out;
	if (spool_publish(sp, job->name) < 0)
		goto out;
	ret = 0;
out:
	free(text);
	return ret;
}

int
spool_lock(struct spool *sp)
{
	struct stat st;
	int fd;

	if (sp->lockfd >= 0)
		return 0;
	fd = openat(sp->fd, "lock", O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, SPOOL_FILE_MODE);
	if (fd < 0)
		return log_errno("open lock file '%s/lock'", sp->path);
	if (fstat(fd, &st) < 0) {
		log_errno("stat lock file '%s/lock'", sp->path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("open lock file '%s/lock': not a regular file",
		    sp->path);
		goto fail;
	}
	if (spool_fix_mode(sp, fd, SPOOL_FILE_MODE, "lock") < 0)
		goto fail;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			close(fd);
			return 1;
		}
		if (errno != EINTR) {
			log_errno("lock '%s/lock'", sp->path);
			goto fail;
		}
	}
	sp->lockfd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

/* qsort comparison of two strings by strcmp. */
static int
spool_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* True when spool_list() leaves name out. */
static bool
spool_is_hidden(const char *name)
{
	size_t len = strlen(name);

	return name[0] == '.' ||
	    (len >= 8 && strcmp(name + len - 8, ".corrupt") == 0) ||
	    (len >= 7 && strcmp(name + len - 7, ".reason") == 0);
}

int
spool_list(struct spool *sp, enum spool_dir d, struct strv *names)
{
	struct strv found = STRV_INIT;
	struct dirent *de;
	DIR *dir = NULL;
	int fd, ret = -1;

	/* A dup shares the offset: rewind it before reading. */
	if ((fd = dup(sp->dirs[d])) < 0 || (dir = fdopendir(fd)) == NULL) {
		log_errno("list '%s/%s'", sp->path, spool_dirs[d]);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (!spool_is_hidden(de->d_name))
			strv_push(&found, de->d_name);
	}
	if (errno != 0) {
		log_errno("list '%s/%s'", sp->path, spool_dirs[d]);
		goto out;
	}
	if (found.n > 0)
		qsort(found.v, found.n, sizeof(*found.v), spool_cmp);
	strv_append(names, &found);
	ret = 0;
out:
	closedir(dir);
	strv_clear(&found);
	return ret;
}

/* Write a reason into err and return 1 (the entry is not a valid job). */
static int __attribute__((format(printf, 3, 4)))
spool_invalid(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return 1;
}

/* 0 when st is a regular file of at most JOB_FILE_MAX bytes, else 1. */
static int
spool_check_stat(const struct stat *st, char *err, size_t errsize)
{
	if (S_ISLNK(st->st_mode))
		return spool_invalid(err, errsize, "is a symlink");
	if (!S_ISREG(st->st_mode))
		return spool_invalid(err, errsize, "not a regular file");
	if (st->st_size > JOB_FILE_MAX)
		return spool_invalid(err, errsize, "larger than %d bytes",
		    JOB_FILE_MAX);
	return 0;
}

/*
 * Open d/name for reading into *fdp, if it is a regular file of at most
 * JOB_FILE_MAX bytes.  0, 1 with a reason in err, or -1 (reported).
 */
static int
spool_open_job(struct spool *sp, enum spool_dir d, const char *name,
    int *fdp, char *err, size_t errsize)
{
	char shown[SPOOL_SHOW_MAX];
	struct stat st;
	int fd, r;

	/* Look before opening: opening a device may have effects. */
	spool_show(shown, name);
	if (fstatat(sp->dirs[d], name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -1 : log_errno("stat job '%s/%s/%s'",
		    sp->path, spool_dirs[d], shown);
	if ((r = spool_check_stat(&st, err, errsize)) != 0)
		return r;
	fd = openat(sp->dirs[d], name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return spool_invalid(err, errsize, "is a symlink");
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return spool_invalid(err, errsize, "cannot be read: %s",
		    strerror(errno));
	if (fd < 0)
		return errno == ENOENT ? -1 : log_errno("open job '%s/%s/%s'",
		    sp->path, spool_dirs[d], shown);

	/* Look again: the entry may have been replaced in between. */
	if (fstat(fd, &st) < 0)
		r = log_errno("stat job '%s/%s/%s'", sp->path, spool_dirs[d],
		    shown);
	else
		r = spool_check_stat(&st, err, errsize);
	if (r != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

int
spool_read(struct spool *sp, enum spool_dir d, const char *name,
    struct job *job, char *err, size_t errsize)
{
	char shown[SPOOL_SHOW_MAX];
	char *buf = NULL;
	size_t len;
	int fd = -1, ret;

	job_init(job);
	if (!spool_name_ok(name))
		return spool_invalid(err, errsize, "not a job name");
	if (strlen(name) >= JOB_NAME_MAX)
		return spool_invalid(err, errsize, "name longer than %d bytes",
		    JOB_NAME_MAX - 1);
	if ((ret = spool_open_job(sp, d, name, &fd, err, errsize)) != 0) {
		if (ret < 0)
			snprintf(err, errsize, "%s", strerror(errno));
		return ret;
	}
	if (read_all(fd, JOB_FILE_MAX, &buf, &len) < 0) {
		if (errno == EFBIG)
			ret = spool_invalid(err, errsize,
			    "larger than %d bytes", JOB_FILE_MAX);
		else
			ret = log_errno("read job '%s/%s/%s'", sp->path,
			    spool_dirs[d], spool_show(shown, name));
		goto out;
	}
	if (job_parse(job, buf, len, err, errsize) < 0) {
		ret = 1;
		goto out;
	}
	snprintf(job->name, sizeof(job->name), "%s", name);
	ret = 0;
out:
	if (ret < 0)
		snprintf(err, errsize, "%s", strerror(errno));
	close(fd);
	free(buf);
	return ret;
}

int
spool_move(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to)
{
	char shown[SPOOL_SHOW_MAX];

	spool_show(shown, name);
	if (!spool_name_ok(name))
		return log_error("move '%s': not an entry name", shown);
	if (renameat(sp->dirs[from], name, sp->dirs[to], name) < 0)
		return log_errno("move '%s' from '%s/%s' to '%s/%s'", shown,
		    sp->path, spool_dirs[from], sp->path, spool_dirs[to]);
	if (spool_sync(sp, to) < 0)
		return -1;
	return from == to ? 0 : spool_sync(sp, from);
}

int
spool_store(struct spool *sp, const struct job *job, enum spool_dir from,
    enum spool_dir to)
{
	char tmpname[JOB_NAME_MAX] = "";
	char *text = NULL;
	size_t len;
	int ret = -1;

	if (!spool_name_ok(job->name)) {
		log_error("store job '%s': not a job name", job->name);
		goto out;
	}
	if ((text = spool_job_text(job, &len)) == NULL ||
	    spool_create_tmp(sp, tmpname, text, len) < 0)
		goto out;
	if (renameat(sp->dirs[SPOOL_TMP], tmpname, sp->dirs[to],
	    job->name) < 0) {
		log_errno("store job '%s' in '%s/%s'", job->name, sp->path,
		    spool_dirs[to]);
		unlinkat(sp->dirs[SPOOL_TMP], tmpname, 0);
		goto out;
	}
	if (spool_sync(sp, to) < 0)
		goto out;
	if (from != to) {
		if (unlinkat(sp->dirs[from], job->name, 0) < 0 &&
		    errno != ENOENT) {
			log_errno("remove job '%s' from '%s/%s'", job->name,
			    sp->path, spool_dirs[from]);
			goto out;
		}
		if (spool_sync(sp, from) < 0)
			goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

/*
 * Rename d/name to failed/corrupt (never replacing what is there) and
 * tmp/tmpname to failed/reason, then fsync failed/ and d.  0; 1 when
 * failed/corrupt exists (tmp/tmpname removed, nothing reported); -1
 * (reported).
 */
static int
spool_reject_rename(struct spool *sp, enum spool_dir d, const char *name,
    const char *corrupt, const char *tmpname, const char *reason)
{
	char shown[SPOOL_SHOW_MAX];
	int failed = sp->dirs[SPOOL_FAILED];

	if (spool_rename_excl(sp->dirs[d], name, failed, corrupt) < 0) {
		if (errno == EEXIST) {
			unlinkat(sp->dirs[SPOOL_TMP], tmpname, 0);
			return 1;
		}
		log_errno("move '%s' from '%s/%s' to '%s/failed'",
		    spool_show(shown, name), sp->path, spool_dirs[d],
		    sp->path);
		unlinkat(sp->dirs[SPOOL_TMP], tmpname, 0);
		return -1;
	}
	if (renameat(sp->dirs[SPOOL_TMP], tmpname, failed, reason) < 0) {
		log_errno("write reason '%s' into '%s/failed'",
		    spool_show(shown, reason), sp->path);
		unlinkat(sp->dirs[SPOOL_TMP], tmpname, 0);
		return -1;
	}
	if (spool_sync(sp, SPOOL_FAILED) < 0)
		return -1;
	return d == SPOOL_FAILED ? 0 : spool_sync(sp, d);
}

int
spool_reject(struct spool *sp, enum spool_dir d, const char *name,
    const char *reason)
{
	char shown[SPOOL_SHOW_MAX], line[LOG_MSG_MAX];
	char tmpname[JOB_NAME_MAX];
	char *corrupt = NULL, *reasonfile = NULL, *text = NULL;
	unsigned i;
	int ret = -1;

	if (!spool_name_ok(name)) {
		log_error("reject '%s': not an entry name",
		    spool_show(shown, name));
		goto out;
	}

	/*
	 * Cut long names: NAME.corrupt.reason must fit NAME_MAX.  A name
	 * taken already (by an earlier entry of that name, or of the same
	 * first bytes) gets a number, so nothing is replaced.
	 */
	text = xasprintf("%s\n", log_escape(line, sizeof(line), reason));
	for (i = 0, ret = 1; ret == 1 && i < SPOOL_REJECT_TRIES; i++) {
		free(corrupt);
		free(reasonfile);
		corrupt = i == 0 ?
		    xasprintf("%.*s.corrupt", SPOOL_REJECT_KEEP, name) :
		    xasprintf("%.*s.%u.corrupt", SPOOL_REJECT_KEEP, name, i);
		reasonfile = xasprintf("%s.reason", corrupt);
		*tmpname = '\0';
		if (spool_create_tmp(sp, tmpname, text, strlen(text)) < 0) {
			ret = -1;
			goto out;
		}
		ret = spool_reject_rename(sp, d, name, corrupt, tmpname,
		    reasonfile);
	}
	if (ret == 1)
		ret = log_error("reject '%s': no free name in '%s/failed'",
		    spool_show(shown, name), sp->path);
out:
	free(corrupt);
	free(reasonfile);
	free(text);
	return ret;
}

int
spool_log_open(struct spool *sp, const char *name)
{
	char shown[SPOOL_SHOW_MAX], rel[SPOOL_SHOW_MAX + 8];
	struct stat st;
	int fd, flags;

	spool_show(shown, name);
	if (!spool_name_ok(name))
		return log_error("open log '%s': not an entry name", shown);
	fd = openat(sp->dirs[SPOOL_LOG], name, O_WRONLY | O_APPEND |
	    O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, SPOOL_FILE_MODE);
	if (fd < 0 && errno == ELOOP)
		return log_error("open log '%s/log/%s': is a symlink",
		    sp->path, shown);
	if (fd < 0)
		return log_errno("open log '%s/log/%s'", sp->path, shown);
	if (fstat(fd, &st) < 0) {
		log_errno("stat log '%s/log/%s'", sp->path, shown);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("open log '%s/log/%s': not a regular file",
		    sp->path, shown);
		goto fail;
	}
	snprintf(rel, sizeof(rel), "log/%s", shown);
	if (spool_fix_mode(sp, fd, SPOOL_FILE_MODE, rel) < 0)
		goto fail;

	/* Writers of the log (the engine) expect a blocking fd. */
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		log_errno("open log '%s/log/%s'", sp->path, shown);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
spool_run_write(struct spool *sp, const char *name, time_t started)
{
	char text[JOB_NAME_MAX + 96];
	int fd, len;

	len = snprintf(text, sizeof(text), "pid=%ld\njob=%s\nstarted=%lld\n",
	    (long)getpid(), name, (long long)started);
	(void)unlinkat(sp->fd, SPOOL_RUN_TMP, 0);
	fd = openat(sp->fd, SPOOL_RUN_TMP, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, SPOOL_FILE_MODE);
	if (fd < 0)
		return log_errno("write '%s/%s'", sp->path, SPOOL_RUN_TMP);
	if (spool_fix_mode(sp, fd, SPOOL_FILE_MODE, SPOOL_RUN_TMP) < 0)
		goto fail;
	if (write_all(fd, text, (size_t)len) < 0) {
		log_errno("write '%s/%s'", sp->path, SPOOL_RUN_TMP);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		log_errno("write '%s/%s'", sp->path, SPOOL_RUN_TMP);
		goto fail;
	}
	fd = -1;
	if (renameat(sp->fd, SPOOL_RUN_TMP, sp->fd, SPOOL_RUN) < 0) {
		log_errno("rename '%s/%s'", sp->path, SPOOL_RUN_TMP);
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlinkat(sp->fd, SPOOL_RUN_TMP, 0);
	return -1;
}

int
spool_run_clear(struct spool *sp)
{
	if (unlinkat(sp->fd, SPOOL_RUN, 0) < 0 && errno != ENOENT)
		return log_errno("remove '%s/%s'", sp->path, SPOOL_RUN);
	return 0;
}
