/*
 * job.h - the job file: what one pushed ref update asks the builder to do.
 *
 * A job is a small text file of "key=value" lines, one key per line, each
 * key at most once, no blank lines, every line ending in '\n'.  The parser
 * is strict: anything it does not know is an error with a reason, never a
 * guess.  The format is described in pushbuild.ini(5), section SPOOL.
 */
#ifndef PUSHBUILD_JOB_H
#define PUSHBUILD_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

/* Largest job file the parser reads; larger ones are corrupt. */
#define JOB_FILE_MAX 65536

/* Longest ref name accepted in a job. */
#define JOB_REF_MAX 4096

/* Longest job name: "1764775469.123456789.0012345.0" and room to spare. */
#define JOB_NAME_MAX 64

enum job_source {
	JOB_SOURCE_HOOK,
	JOB_SOURCE_MANUAL,
	JOB_SOURCE_RETRY,
};

/* How a job ended; JOB_RESULT_NONE while it is pending or active. */
enum job_result {
	JOB_RESULT_NONE,
	JOB_RESULT_BUILT,
	JOB_RESULT_SUPERSEDED,
	JOB_RESULT_ALREADY_BUILT,
	JOB_RESULT_FAILED,	/* transient: waits in failed/ for retry */
	JOB_RESULT_DEAD,	/* permanent, or out of attempts */
};

struct job {
	char		 name[JOB_NAME_MAX]; /* file name; not in the file */
	char		 commit[HEX_ID_MAX + 1]; /* full id, lowercase hex */
	char		 old[HEX_ID_MAX + 1];	/* the hook's old id, or "" */
	char		*ref;		/* ref name; "" for a bare commit */
	time_t		 enqueued;
	enum job_source	 source;
	bool		 force;		/* build even if the images exist */
	bool		 no_restart;	/* skip [restart] for this job */
	bool		 rollback;	/* retag existing images, never build */
	unsigned	 attempts;	/* builds tried so far */
	time_t		 next_try;	/* failed/: when retry may requeue */
	enum job_result	 result;
	time_t		 started;	/* last build start, or 0 */
	time_t		 finished;	/* last build end, or 0 */
	char		*error;		/* last error, one line, or NULL */
	char		*superseded_by;	/* job name, or NULL */
};

/* Set *job to an empty job (no allocation). */
void job_init(struct job *job);

/* Free what *job owns and set it empty again. */
void job_release(struct job *job);

/*
 * Parse len bytes of buf (a job file) into *job, which must be empty.
 * Returns 0, or -1 with a one-line reason in err (size errsize) and *job
 * left empty.  Prints nothing: the caller decides what a bad file means.
 */
int job_parse(struct job *job, const char *buf, size_t len, char *err,
    size_t errsize);

/* The file text of *job; owned by the caller.  Parses back to *job. */
char *job_format(const struct job *job);

/* Set the error text (copied, control characters escaped); NULL clears. */
void job_set_error(struct job *job, const char *error);

/* "hook", "manual", "retry" and back; -1 for an unknown name. */
const char *job_source_name(enum job_source source);
int job_source_parse(const char *name);

/* "built", "superseded", ... and back; -1 for an unknown name. */
const char *job_result_name(enum job_result result);
int job_result_parse(const char *name);

#endif
