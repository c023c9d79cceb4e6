/*
 * enqueue.h - turn one ref update into a job in the spool.
 *
 * The one code path used by the hook and by "pushbuild enqueue".
 */
#ifndef PUSHBUILD_ENQUEUE_H
#define PUSHBUILD_ENQUEUE_H

#include <stdbool.h>
#include <stdio.h>

#include <git2.h>

#include "job.h"
#include "spool.h"

struct enqueue {
	struct spool	*spool;
	git_repository	*repo;
	enum job_source	 source;
	bool		 force;
	bool		 no_restart;
	FILE		*out;	/* one "queued" line per job; NULL: silent */
};

/*
 * Queue a build of the commit that new (a full id of a commit or of an
 * annotated tag) peels to, for ref (which may be "" for a bare commit).
 * old is the hook's old id, or NULL.  Prints
 *     pushbuild: queued 1a2b3c4d5e6f refs/heads/main (job NAME)
 * to eq->out after the job is durably in new/.  Returns 0 when queued, 1
 * when skipped because the object is not a commit (one line printed to
 * eq->out), 2 when new names no readable object of the mirror (reported:
 * bad input), -1 when the job could not be written (reported).
 */
int enqueue_update(struct enqueue *eq, const char *old, const char *new,
    const char *ref);

#endif
