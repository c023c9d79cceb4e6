/*
 * summary.h - the facts of the spool at one moment: every job by state,
 * and the builder at work.  What "pushbuild status" prints and the
 * metrics file counts are read from one summary, so they cannot disagree.
 */
#ifndef PUSHBUILD_SUMMARY_H
#define PUSHBUILD_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "job.h"
#include "spool.h"
#include "util.h"

/* The states of a job: failed/ holds both failed and dead jobs. */
enum summary_state {
	SUMMARY_PENDING,	/* new/ */
	SUMMARY_ACTIVE,		/* active/ */
	SUMMARY_FAILED,		/* failed/, waiting for a retry */
	SUMMARY_DEAD,		/* failed/ with result=dead */
	SUMMARY_DONE,		/* done/ */
	SUMMARY_NSTATES
};

/* The jobs of one state, sorted by name (enqueue time), oldest first. */
struct summary_list {
	struct job	*jobs;
	size_t		 n;
	struct strv	 bad;		/* unreadable: "NAME: reason" */
};

/* The run file (SPOOL_RUN in spool.h), as summary_run_parse() reads it. */
struct summary_run {
	bool		 present;
	pid_t		 pid;
	char		 job[JOB_NAME_MAX];
	time_t		 started;
	bool		 stale;		/* pid no longer runs */
};

struct summary {
	time_t			 now;	/* when it was read */
	struct summary_list	 lists[SUMMARY_NSTATES];
	struct summary_run	 run;
};

/*
 * Read every job of sp (new/, active/, failed/, done/) and the run file
 * into *s, which need not be initialised.  A job file that cannot be
 * parsed is listed in bad, not fatal.  Takes no lock and writes nothing.
 * 0, or -1 (reported) with *s empty.  Free with summary_release().
 */
int summary_load(struct summary *s, struct spool *sp);

/* Free what *s owns. */
void summary_release(struct summary *s);

/* "pending", "active", "failed", "dead", "done". */
const char *summary_state_name(enum summary_state state);

/*
 * Parse the text of a run file into *run.  Unknown keys are ignored (the
 * builder may add some); pid must be there.  0, or -1 (nothing reported).
 * Does not look at the process: see summary_load().
 */
int summary_run_parse(struct summary_run *run, const char *text);

/* True when job is a success: built, or its images already existed. */
bool summary_is_success(const struct job *job);

/* The done job with result built that finished last, or NULL. */
const struct job *summary_last_built(const struct summary *s);

/*
 * The successful done job that finished last (built, already built, or a
 * rollback): what :latest names, so what is deployed.  NULL when none.
 */
const struct job *summary_last_success(const struct summary *s);

/*
 * The last successful done job of each ref, sorted by ref, as an array of
 * pointers into *s (owned by the caller: free it, not the jobs); the
 * count in *n.  Jobs without a ref are left out.
 */
const struct job **summary_per_ref(const struct summary *s, size_t *n);

/* The enqueue time of the oldest pending job, or 0 when none. */
time_t summary_oldest_pending(const struct summary *s);

#endif
