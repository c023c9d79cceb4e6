/*
 * enqueue.c - one ref update becomes one job in new/.
 *
 * The hook and "pushbuild enqueue" both come through here, so a job looks
 * the same whoever queued it.  The commit is resolved before anything is
 * written: a job in new/ always names a commit that exists in the mirror.
 * The "queued" line is printed only after spool_enqueue() has made the
 * job durable, so a pusher who sees it can rely on it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "enqueue.h"
#include "log.h"
#include "repo.h"
#include "util.h"

/* Room for an escaped ref name in the pusher's line. */
#define ENQUEUE_REF_MAX (4 * JOB_REF_MAX + 1)

/* Copy the object id hex into dst in lowercase. */
static void
enqueue_copy_id(char dst[HEX_ID_MAX + 1], const char *hex)
{
	size_t i;

	for (i = 0; i < HEX_ID_MAX && hex[i] != '\0'; i++)
		dst[i] = (char)tolower((unsigned char)hex[i]);
	dst[i] = '\0';
}

int
enqueue_update(struct enqueue *eq, const char *old, const char *new,
    const char *ref)
{
	struct job job;
	git_oid oid;
	char reason[256], hex[GIT_OID_HEXSZ + 1];
	char eref[ENQUEUE_REF_MAX];
	int r;

	log_escape(eref, sizeof(eref), ref);
	r = repo_peel_commit(&oid, eq->repo, new, reason, sizeof(reason));
	if (r < 0)
		return 2;
	if (r == 1) {
		if (eq->out != NULL) {
			fprintf(eq->out, "pushbuild: skipped %s: %s\n", eref,
			    reason);
			fflush(eq->out);
		}
		return 1;
	}

	job_init(&job);
	git_oid_tostr(hex, sizeof(hex), &oid);
	enqueue_copy_id(job.commit, hex);
	if (old != NULL && is_object_id(old))
		enqueue_copy_id(job.old, old);
	job.ref = xstrdup(ref);
	job.source = eq->source;
	job.force = eq->force;
	job.no_restart = eq->no_restart;

	/* Said only once the job is durably in new/. */
	r = spool_enqueue(eq->spool, &job);
	if (r == 0 && eq->out != NULL) {
		fprintf(eq->out, "pushbuild: queued %.12s %s%s(job %s)\n", hex,
		    eref, *eref == '\0' ? "" : " ", job.name);
		fflush(eq->out);
	}
	job_release(&job);
	return r < 0 ? -1 : 0;
}
