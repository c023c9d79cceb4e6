/*
 * spool.h - the spool directory, the only state pushbuild keeps.
 *
 * The on-disk protocol (who creates, locks, renames and deletes what) is
 * written down once, in pushbuild.ini(5), section SPOOL, and in the comment
 * at the top of spool.c.  Every file is opened relative to a directory fd
 * with O_NOFOLLOW, so a symlink planted in the spool is never followed.
 */
#ifndef PUSHBUILD_SPOOL_H
#define PUSHBUILD_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "job.h"

enum spool_dir {
	SPOOL_TMP,
	SPOOL_NEW,
	SPOOL_ACTIVE,
	SPOOL_DONE,
	SPOOL_FAILED,
	SPOOL_LOG,
	SPOOL_NDIRS
};

struct spool {
	char	*path;
	int	 fd;			/* the spool directory itself */
	int	 dirs[SPOOL_NDIRS];	/* one fd per sub-directory */
	int	 lockfd;		/* open while spool_lock() holds it */
};

/* Mode of spool directories (group-shared, setgid) and of job files. */
#define SPOOL_DIR_MODE 02770
#define SPOOL_FILE_MODE 0660

/* Name of the sub-directory d: "tmp", "new", ... */
const char *spool_dir_name(enum spool_dir d);

/*
 * Open the spool at path, creating it and its sub-directories when create
 * is true.  Returns 0, or -1 (reported; a symlink where a directory should
 * be is an error).  *sp owns its fds: close with spool_close().
 */
int spool_open(struct spool *sp, const char *path, bool create);

/* Close every fd of *sp; harmless on a closed spool. */
void spool_close(struct spool *sp);

/*
 * Write *job durably into new/: a unique name sorting by enqueue time is
 * chosen and stored in job->name; the file is created in tmp/ with
 * O_EXCL|O_NOFOLLOW, written, fsynced, renamed into new/, and new/ is
 * fsynced.  job->enqueued is set when 0.  Returns 0, or -1 (reported) with
 * nothing left in new/.
 */
int spool_enqueue(struct spool *sp, struct job *job);

/*
 * Take the builder lock (flock on the spool's "lock" file) without
 * waiting.  Returns 0 when held, 1 when another builder holds it, -1 on
 * error (reported).  The lock is released by spool_close() or exit.
 */
int spool_lock(struct spool *sp);

/*
 * The names of the entries of d, sorted (oldest first), appended to
 * *names.  Skipped: names starting with '.', and the files of rejected
 * jobs (ending in ".corrupt" or ".reason").  Anything else is listed, job
 * or not, so that the builder can move what is not a job aside.
 * Returns 0 or -1 (reported).
 */
int spool_list(struct spool *sp, enum spool_dir d, struct strv *names);

/*
 * Read and parse the job d/name into *job (empty on entry).  Returns 0;
 * 1 when the file is not a valid job (reason in err); -1 on a system
 * error (reported, strerror in err), or with errno ENOENT and nothing
 * reported when the entry went away meanwhile (another process moved it).
 * A symlink, a non-regular file and a file the caller may not read are
 * "not valid".
 */
int spool_read(struct spool *sp, enum spool_dir d, const char *name,
    struct job *job, char *err, size_t errsize);

/*
 * Rename d/name into to/name and fsync both directories.  0 or -1
 * (reported).
 */
int spool_move(struct spool *sp, enum spool_dir from, const char *name,
    enum spool_dir to);

/*
 * Durably replace the job: write *job to tmp/, fsync, rename it to
 * to/job->name, fsync, then unlink from/job->name when from != to.
 * A crash leaves the job in to/, or in from/ unchanged, or both (the
 * builder's recovery keeps the one in to/).  0 or -1 (reported).
 */
int spool_store(struct spool *sp, const struct job *job, enum spool_dir from,
    enum spool_dir to);

/*
 * Move an entry that is not a valid job (a corrupt file, a symlink, a bad
 * name) from d/name to failed/name.corrupt, without following it, and
 * write the reason as failed/name.corrupt.reason.  0 or -1 (reported).
 */
int spool_reject(struct spool *sp, enum spool_dir d, const char *name,
    const char *reason);

/*
 * The run file: "<spool>/run" holds "pid=N", "job=NAME" and "started=UNIX"
 * lines while a builder builds, for status.  It is a hint, not a lock: the
 * lock is the flock, so a run file left by a dead builder is stale, which
 * a reader tells by the pid.  Written to SPOOL_RUN_TMP, then renamed.
 */
#define SPOOL_RUN "run"
#define SPOOL_RUN_TMP ".run.tmp"

/* Write the run file for job name, started at started.  0 or -1. */
int spool_run_write(struct spool *sp, const char *name, time_t started);

/* Remove the run file; a missing one is fine.  0 or -1 (reported). */
int spool_run_clear(struct spool *sp);

/* Open log/name for appending (created 0660).  An fd, or -1 (reported). */
int spool_log_open(struct spool *sp, const char *name);

#endif
