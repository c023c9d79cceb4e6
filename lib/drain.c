/*
 * drain.c - the builder's loop: guard, lock, recover, then one job at a
 * time from new/ through active/ to done/ or failed/.
 *
 * Invariants: nothing is claimed before the arch guard passed and the
 * spool lock is held; a job leaves active/ only by spool_store(), so a
 * crash at any point leaves it in active/ (recovered by the next run) or
 * already in its final folder.  The spool protocol is in spool.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "drain.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "repo.h"
#include "run.h"
#include "spool.h"

/* Debris in tmp/ older than this is removed by the builder. */
#define TMP_DEBRIS_AGE 3600

/* The signal that asked this builder to stop, or 0. */
static volatile sig_atomic_t drain_stop;

/* What a drain works with, opened once per run. */
struct drain {
	const struct conf *cf;
	struct spool	 spool;
	git_repository	*repo;
	unsigned	 failed;	/* jobs that failed in this run */
};

int
guard_check(const struct conf *cf)
{
	struct utsname u;

	if (uname(&u) < 0)
		return log_errno("read host architecture");
	if (strcmp(u.machine, cf->arch) == 0)
		return 0;
	log_error("refusing to build on %s: images must be built on %s",
	    u.machine, cf->arch);
	log_warn("built here they would run under emulation on the %s host; "
	    "every job stays queued", cf->arch);
	return -1;
}

unsigned
drain_backoff(const struct conf *cf, unsigned attempts, unsigned noise)
{
	unsigned long long delay = cf->backoff;
	unsigned i, jitter;

	for (i = 1; i < attempts && delay < cf->backoff_max; i++)
		delay *= 2;
	if (delay > cf->backoff_max)
		delay = cf->backoff_max;

	/* Up to a tenth either way, so that failed jobs spread out. */
	jitter = (unsigned)(delay / 10);
	if (jitter > 0)
		delay = delay - jitter + noise % (2 * jitter + 1);
	return (unsigned)delay;
}

/* Record the end of job: built, or failed with the reason in log_last(). */
static int
drain_finish(struct drain *d, struct job *job, enum build_status st)
{
	const struct conf *cf = d->cf;
	char when[21];

	job->finished = time(NULL);
	if (st == BUILD_OK) {
		if (job->result != JOB_RESULT_ALREADY_BUILT)
			job->result = JOB_RESULT_BUILT;
		job_set_error(job, NULL);
		log_info("job %s: %s %.12s %s", job->name,
		    job_result_name(job->result), job->commit, job->ref);
		return spool_store(&d->spool, job, SPOOL_ACTIVE, SPOOL_DONE);
	}

	d->failed++;
	job_set_error(job, log_last());
	if (st == BUILD_PERMANENT || job->attempts >= cf->max_attempts) {
		job->result = JOB_RESULT_DEAD;
		job->next_try = 0;
		log_info("job %s: dead after %u attempt(s): %s", job->name,
		    job->attempts, job->error);
	} else {
		job->result = JOB_RESULT_FAILED;
		job->next_try = job->finished +
		    drain_backoff(cf, job->attempts, (unsigned)random());
		log_info("job %s: failed (attempt %u of %u), next try %s",
		    job->name, job->attempts, cf->max_attempts,
		    format_utc(when, job->next_try));
	}
	return spool_store(&d->spool, job, SPOOL_ACTIVE, SPOOL_FAILED);
}

/*
 * Read the job dir/name into *job (empty on entry).  A file that is not a
 * valid job is moved aside with its reason.  Returns 0 when read, 1 when
 * moved aside or gone meanwhile, -1 on error (reported).
 */
static int
drain_read(struct drain *d, enum spool_dir dir, const char *name,
    struct job *job)
{
	char err[256], shown[JOB_NAME_MAX * 4];
	int r;

	r = spool_read(&d->spool, dir, name, job, err, sizeof(err));
	if (r < 0 && errno == ENOENT)
		return 1;	/* gone meanwhile: nothing to do */
	if (r <= 0)
		return r;
	log_error("job '%s' is corrupt: %s",
	    log_escape(shown, sizeof(shown), name), err);
	return spool_reject(&d->spool, dir, name, err) < 0 ? -1 : 1;
}

/* Build the claimed job active/name. */
static int
drain_build(struct drain *d, const char *name)
{
	struct build_request req = { 0 };
	struct job job;
	enum build_status st;
	bool already = false;
	int logfd = -1, ret = -1, r;

	job_init(&job);
	r = drain_read(d, SPOOL_ACTIVE, name, &job);
	if (r != 0) {
		ret = r > 0 ? 0 : -1;
		goto out;
	}

	/* The attempt counts from here: a crash from now on costs one. */
	job.attempts++;
	job.started = time(NULL);
	if (spool_store(&d->spool, &job, SPOOL_ACTIVE, SPOOL_ACTIVE) < 0 ||
	    spool_run_write(&d->spool, name, job.started) < 0)
		goto out;

	/* A log that cannot be opened (said why) must not stop the queue. */
	logfd = spool_log_open(&d->spool, name);
	log_info("job %s: building %.12s %s (attempt %u)", name, job.commit,
	    job.ref, job.attempts);
	log_clear();
	req.commit = job.commit;
	req.name = job.name;
	req.restart = !job.no_restart;
	req.log_fd = logfd;
	req.force = job.force;
	req.no_build = job.rollback;
	req.already_built = &already;
	st = build_commit(d->cf, d->repo, &req);
	(void)spool_run_clear(&d->spool);	/* a stale hint is harmless */
	if (drain_stop != 0) {
		/* Stopped by the operator: not the job's fault. */
		job.attempts--;
		job.started = 0;
		log_info("job %s: requeued, the builder was stopped by signal "
		    "%d", name, (int)drain_stop);
		ret = spool_store(&d->spool, &job, SPOOL_ACTIVE, SPOOL_NEW);
	} else {
		if (already)
			job.result = JOB_RESULT_ALREADY_BUILT;
		ret = drain_finish(d, &job, st);
	}
out:
	if (logfd >= 0 && close(logfd) < 0)
		ret = log_errno("close log of job '%s'", name);
	job_release(&job);
	return ret;
}

/*
 * Find a job in dir, newer than job (later in name order), for the same
 * ref: in done/ one that built, elsewhere any.  Its name goes to newer.
 * Returns 1 when found, 0 when not (always for a job of no ref), -1 on
 * error (reported).
 */
static int
drain_find_newer(struct drain *d, enum spool_dir dir, const struct job *job,
    char *newer, size_t size)
{
	struct strv names = STRV_INIT;
	const struct strv *v = &names;
	struct job other;
	char err[256];
	size_t j;
	int found = 0;

	if (*job->ref == '\0')
		return 0;
	if (spool_list(&d->spool, dir, &names) < 0)
		return -1;
	for (j = v->n; found == 0 && j-- > 0 &&
	    strcmp(v->v[j], job->name) > 0; ) {
		job_init(&other);
		if (spool_read(&d->spool, dir, v->v[j], &other, err,
		    sizeof(err)) == 0 && strcmp(other.ref, job->ref) == 0 &&
		    (dir != SPOOL_DONE || other.result == JOB_RESULT_BUILT ||
		    other.result == JOB_RESULT_ALREADY_BUILT)) {
			snprintf(newer, size, "%s", other.name);
			found = 1;
		}
		job_release(&other);
	}
	strv_clear(&names);
	return found;
}

/* Record job, now in from/, as superseded by the job named newer. */
static int
drain_supersede(struct drain *d, struct job *job, enum spool_dir from,
    const char *newer)
{
	job->result = JOB_RESULT_SUPERSEDED;
	free(job->superseded_by);
	job->superseded_by = xstrdup(newer);
	job->finished = time(NULL);
	log_info("job %s: superseded by %s", job->name, newer);
	return spool_store(&d->spool, job, from, SPOOL_DONE);
}

/* The index of ref in refs, or -1. */
static long
drain_ref_index(const struct strv *refs, const char *ref)
{
	size_t k;

	for (k = 0; k < refs->n; k++)
		if (strcmp(refs->v[k], ref) == 0)
			return (long)k;
	return -1;
}

/*
 * Handle pending job names->v[i] of ref (the newest pending job of that
 * ref being newest): supersede it, or claim and build it.  0 or -1.
 */
static int
drain_one(struct drain *d, const struct strv *names, size_t i,
    const char *newest)
{
	struct job job;
	int r;

	if (newest != NULL && strcmp(newest, names->v[i]) != 0) {
		job_init(&job);
		r = drain_read(d, SPOOL_NEW, names->v[i], &job);
		if (r == 0)
			r = drain_supersede(d, &job, SPOOL_NEW, newest);
		job_release(&job);
		return r < 0 ? -1 : 0;
	}
	if (spool_move(&d->spool, SPOOL_NEW, names->v[i], SPOOL_ACTIVE) < 0)
		return -1;
	return drain_build(d, names->v[i]);
}

/*
 * One pass over new/.  Every pending job is read once, newest first, to
 * learn the newest job of each ref; then, oldest first, a job that a
 * newer pending job of its ref replaces is recorded as superseded, and
 * the others are built: jobs of other refs keep their order.  A corrupt
 * entry is moved aside.  Returns how many entries it handled (0 when
 * new/ was empty), or -1 on error (reported).
 */
static long
drain_pass(struct drain *d)
{
	struct strv names = STRV_INIT, refs = STRV_INIT, newest = STRV_INIT;
	char **ref_of = NULL;
	struct job job;
	size_t i;
	long k, done = -1;
	int r;

	job_init(&job);
	if (spool_list(&d->spool, SPOOL_NEW, &names) < 0)
		return -1;
	ref_of = xcalloc(names.n + 1, sizeof(*ref_of));
	for (i = names.n; i-- > 0; ) {
		job_release(&job);
		if ((r = drain_read(d, SPOOL_NEW, names.v[i], &job)) < 0)
			goto out;
		if (r > 0)
			continue;	/* moved aside, or gone */
		ref_of[i] = xstrdup(job.ref);
		if (*job.ref != '\0' && drain_ref_index(&refs, job.ref) < 0) {
			strv_push(&refs, job.ref);
			strv_push(&newest, names.v[i]);
		}
	}

	for (i = 0, done = 0; i < names.n && drain_stop == 0; i++, done++) {
		if (ref_of[i] == NULL)
			continue;
		k = *ref_of[i] == '\0' ? -1 : drain_ref_index(&refs, ref_of[i]);
		if (drain_one(d, &names, i, k < 0 ? NULL : newest.v[k]) < 0) {
			done = -1;
			break;
		}
	}
out:
	for (i = 0; i < names.n; i++)
		free(ref_of[i]);
	free(ref_of);
	job_release(&job);
	strv_clear(&names);
	strv_clear(&refs);
	strv_clear(&newest);
	return done;
}

/*
 * End what the engine of a dead builder may still be doing for job name,
 * so that no second build runs beside it.  0 or -1 (reported).
 */
static int
drain_kill_leftovers(const char *name)
{
	char *marker = xasprintf("%s=%s", BUILD_MARKER, name);
	int n = run_kill_marked(marker);

	free(marker);
	if (n > 0)
		log_info("job %s: ended %d process(es) left by the dead "
		    "builder", name, n);
	return n < 0 ? -1 : 0;
}

/*
 * Put back what a dead builder left in active/: a job already stored in
 * done/ or failed/ had finished (only the unlink was lost); any other goes
 * back to new/ with its interrupted attempt counted, or dies when that was
 * its last.
 */
static int
drain_recover(struct drain *d)
{
	struct strv names = STRV_INIT;
	struct job job;
	struct stat st;
	size_t i;
	int ret = -1, r;

	job_init(&job);
	if (spool_list(&d->spool, SPOOL_ACTIVE, &names) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		const char *name = names.v[i];

		job_release(&job);
		if (fstatat(d->spool.dirs[SPOOL_DONE], name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 ||
		    fstatat(d->spool.dirs[SPOOL_FAILED], name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			if (unlinkat(d->spool.dirs[SPOOL_ACTIVE], name, 0) < 0)
				goto out_errno;
			continue;
		}
		r = drain_read(d, SPOOL_ACTIVE, name, &job);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;

		/* Its attempt was counted when it was claimed. */
		log_info("job %s: recovered from an interrupted build "
		    "(attempt %u)", name, job.attempts);
		if (drain_kill_leftovers(name) < 0)
			goto out;
		if (job.attempts >= d->cf->max_attempts) {
			log_clear();
			log_error("the builder died during attempt %u",
			    job.attempts);
			if (drain_finish(d, &job, BUILD_TRANSIENT) < 0)
				goto out;
			continue;
		}
		job.result = JOB_RESULT_NONE;
		if (spool_store(&d->spool, &job, SPOOL_ACTIVE, SPOOL_NEW) < 0)
			goto out;
	}
	ret = 0;
	goto out;
out_errno:
	log_errno("remove finished job 'active/%s'", names.v[i]);
out:
	job_release(&job);
	strv_clear(&names);
	return ret;
}

/*
 * Remove files in tmp/ left by writers that died more than an hour ago.
 * Anything else there (a directory, say) is not ours to remove, and what
 * cannot be removed is said once per run: neither stops the queue.
 */
static int
drain_sweep_tmp(struct drain *d)
{
	struct strv names = STRV_INIT;
	struct stat st;
	time_t now = time(NULL);
	char shown[JOB_NAME_MAX * 4];
	size_t i;
	int fd = d->spool.dirs[SPOOL_TMP];

	if (spool_list(&d->spool, SPOOL_TMP, &names) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		if (fstatat(fd, names.v[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) ||
		    now - st.st_mtime < TMP_DEBRIS_AGE)
			continue;
		if (unlinkat(fd, names.v[i], 0) < 0 && errno != ENOENT)
			log_warn("remove debris 'tmp/%s': %s", log_escape(shown,
			    sizeof(shown), names.v[i]), strerror(errno));
	}
	strv_clear(&names);
	return 0;
}

/* Note a stop request; run_command() ends the engine's process group. */
static void
drain_on_signal(int sig)
{
	drain_stop = sig;
}

int
drain_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = drain_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return log_errno("catch SIGTERM and SIGINT");
	run_stop_flag = &drain_stop;
	return 0;
}

/*
 * Open the spool and take the builder lock.  Returns 0 when held, 1 when
 * another builder has it (said on a terminal only), or an exit code > 1.
 */
static int
drain_open(struct drain *d, const struct conf *cf)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->cf = cf;
	if (spool_open(&d->spool, cf->spool_dir, true) < 0)
		return EX_CANTCREAT;
	r = spool_lock(&d->spool);
	if (r < 0)
		return EX_CANTCREAT;
	if (r > 0) {
		if (isatty(STDERR_FILENO))
			log_warn("another builder is running; leaving the "
			    "queue to it");
		return 1;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	return drain_catch_signals() < 0 ? EX_OSERR : 0;
}

/* Close what drain_open() and drain_jobs() opened. */
static void
drain_close(struct drain *d)
{
	if (d->repo != NULL)
		git_repository_free(d->repo);
	d->repo = NULL;
	spool_close(&d->spool);
}

int
guard_engine(const struct conf *cf)
{
	struct engine e;
	const char *want = engine_arch_name(cf->arch);
	char arch[64];
	int ret = 0;

	if (engine_init(&e, cf) < 0)
		return EX_UNAVAILABLE;
	if (engine_host_arch(&e, arch, sizeof(arch)) < 0) {
		ret = EX_UNAVAILABLE;
	} else if (strcmp(arch, want) != 0) {
		log_error("refusing to build: the engine runs %s images, the "
		    "workers need %s; every job stays queued", arch, want);
		ret = EXIT_GUARD;
	}
	engine_release(&e);
	return ret;
}

/* The number of entries in new/, or -1 (reported). */
static long
drain_pending(struct drain *d)
{
	struct strv names = STRV_INIT;
	long n;

	if (spool_list(&d->spool, SPOOL_NEW, &names) < 0)
		return -1;
	n = (long)names.n;
	strv_clear(&names);
	return n;
}

/* With the lock held: recover, sweep, then build until new/ is empty. */
static int
drain_jobs(struct drain *d)
{
	long pending, r;

	if (spool_run_clear(&d->spool) < 0 || drain_recover(d) < 0 ||
	    drain_sweep_tmp(d) < 0)
		return EX_CANTCREAT;
	pending = drain_pending(d);
	if (pending <= 0)
		return pending < 0 ? EX_CANTCREAT : 0;
	r = guard_engine(d->cf);
	if (r != 0)
		return (int)r;

	/* A mirror that cannot be opened leaves every job untouched. */
	if (repo_open(&d->repo, d->cf->repo_path, d->cf->trust_owner) < 0)
		return EX_TEMPFAIL;

	/* Jobs queued while a pass builds are taken by the next pass. */
	while (drain_stop == 0 && (r = drain_pass(d)) > 0)
		;
	if (drain_stop != 0)
		return 128 + drain_stop;
	if (r < 0)
		return EX_CANTCREAT;
	return d->failed > 0 ? EX_TEMPFAIL : 0;
}

/* Move each failed job whose next try is due back to new/. */
static int
drain_requeue_due(struct drain *d)
{
	struct strv names = STRV_INIT;
	struct job job;
	char newer[JOB_NAME_MAX];
	time_t now = time(NULL);
	size_t i;
	int ret = -1, r;

	job_init(&job);
	if (spool_list(&d->spool, SPOOL_FAILED, &names) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		job_release(&job);
		r = drain_read(d, SPOOL_FAILED, names.v[i], &job);
		if (r < 0)
			goto out;
		if (r > 0)
			continue;
		if (job.result != JOB_RESULT_FAILED || job.next_try > now)
			continue;

		/* A newer push of the ref, pending or built, replaces it. */
		r = drain_find_newer(d, SPOOL_NEW, &job, newer, sizeof(newer));
		if (r == 0)
			r = drain_find_newer(d, SPOOL_DONE, &job, newer,
			    sizeof(newer));
		if (r < 0)
			goto out;
		if (r > 0) {
			if (drain_supersede(d, &job, SPOOL_FAILED, newer) < 0)
				goto out;
			continue;
		}
		job.result = JOB_RESULT_NONE;
		job.source = JOB_SOURCE_RETRY;
		log_info("job %s: requeued for attempt %u", job.name,
		    job.attempts + 1);
		if (spool_store(&d->spool, &job, SPOOL_FAILED, SPOOL_NEW) < 0)
			goto out;
	}
	ret = 0;
out:
	job_release(&job);
	strv_clear(&names);
	return ret;
}

/*
 * The runs of drain and retry: guard, lock, for retry the due jobs back to
 * new/, then every pending job, then the metrics.  An exit code.
 */
static int
drain_main(const struct conf *cf, bool retry)
{
	struct drain d;
	int ret;

	if (guard_check(cf) < 0)
		return EXIT_GUARD;
	ret = drain_open(&d, cf);
	if (ret == 0) {
		ret = retry && drain_requeue_due(&d) < 0 ? EX_CANTCREAT :
		    drain_jobs(&d);
		(void)metrics_write(cf, &d.spool);	/* reported */
	} else if (ret == 1) {
		ret = 0;
	}
	drain_close(&d);
	return ret;
}

int
drain_run(const struct conf *cf)
{
	return drain_main(cf, false);
}

int
retry_run(const struct conf *cf)
{
	return drain_main(cf, true);
}

int
requeue_run(const struct conf *cf, const char *name)
{
	struct spool sp;
	struct job job;
	char err[256], ref[256], shown[JOB_NAME_MAX * 4];
	int r, ret = EX_DATAERR;

	if (strchr(name, '/') != NULL || *name == '.' || *name == '\0') {
		log_error("requeue '%s': not a job name",
		    log_escape(shown, sizeof(shown), name));
		return EX_USAGE;
	}
	if (spool_open(&sp, cf->spool_dir, false) < 0)
		return EX_NOINPUT;
	job_init(&job);
	r = spool_read(&sp, SPOOL_FAILED, name, &job, err, sizeof(err));
	if (r != 0) {
		if (r > 0 || errno == ENOENT)
			log_error("requeue '%s': %s", log_escape(shown,
			    sizeof(shown), name), r > 0 ? err :
			    "no such job in failed/");
		ret = r > 0 ? EX_DATAERR : EX_NOINPUT;
		goto out;
	}

	/* A fresh start: the operator has presumably fixed the cause. */
	job.result = JOB_RESULT_NONE;
	job.source = JOB_SOURCE_MANUAL;
	job.attempts = 0;
	job.next_try = 0;
	if (spool_store(&sp, &job, SPOOL_FAILED, SPOOL_NEW) < 0) {
		ret = EX_CANTCREAT;
		goto out;
	}
	printf("pushbuild: requeued %.12s %s (job %s)\n", job.commit,
	    log_escape(ref, sizeof(ref), job.ref), job.name);
	ret = 0;
out:
	job_release(&job);
	spool_close(&sp);
	return ret;
}

/*
 * The deploy to roll back to, from done/: newest first, the jobs that built
 * (or found built) their images; the first is what runs now, the next of
 * another commit is the one before.  Its commit and ref are copied into
 * *target (empty on entry).  0, or -1 (reported) when there is none.
 */
static int
rollback_find(struct spool *sp, struct job *target)
{
	struct strv names = STRV_INIT;
	struct job job;
	char now[HEX_ID_MAX + 1] = "", err[256];
	size_t i;
	int ret = -1;

	if (spool_list(sp, SPOOL_DONE, &names) < 0)
		return -1;
	for (i = names.n; ret < 0 && i-- > 0; ) {
		job_init(&job);
		if (spool_read(sp, SPOOL_DONE, names.v[i], &job, err,
		    sizeof(err)) == 0 && (job.result == JOB_RESULT_BUILT ||
		    job.result == JOB_RESULT_ALREADY_BUILT)) {
			if (*now == '\0') {
				snprintf(now, sizeof(now), "%s", job.commit);
			} else if (strcmp(job.commit, now) != 0) {
				snprintf(target->commit, sizeof(target->commit),
				    "%s", job.commit);
				target->ref = xstrdup(job.ref);
				ret = 0;
			}
		}
		job_release(&job);
	}
	strv_clear(&names);
	if (ret < 0)
		log_error("rollback: no earlier build in '%s/done' to go back "
		    "to; name a commit", sp->path);
	return ret;
}

/* The commit of rev, from the mirror, into job (and its ref, if any). */
static int
rollback_resolve(const struct conf *cf, const char *rev, struct job *job)
{
	git_repository *repo = NULL;
	git_oid oid;
	char *refname = NULL;
	int ret = -1;

	if (repo_open(&repo, cf->repo_path, cf->trust_owner) < 0 ||
	    repo_resolve(&oid, &refname, repo, rev) < 0)
		goto out;
	git_oid_tostr(job->commit, sizeof(job->commit), &oid);
	job->ref = refname != NULL ? refname : xstrdup("");
	refname = NULL;
	ret = 0;
out:
	free(refname);
	git_repository_free(repo);
	return ret;
}

int
rollback_run(const struct conf *cf, const char *rev)
{
	struct spool sp;
	struct job job;
	char ref[256];
	int ret = EX_DATAERR;

	if (guard_check(cf) < 0)
		return EXIT_GUARD;
	if (spool_open(&sp, cf->spool_dir, true) < 0)
		return EX_CANTCREAT;
	job_init(&job);
	if ((rev == NULL ? rollback_find(&sp, &job) :
	    rollback_resolve(cf, rev, &job)) < 0)
		goto out;

	/* Queued like any job, so it waits for a build in progress. */
	job.source = JOB_SOURCE_MANUAL;
	job.rollback = true;
	if (spool_enqueue(&sp, &job) < 0) {
		ret = EX_CANTCREAT;
		goto out;
	}
	printf("pushbuild: queued rollback to %.12s %s (job %s)\n", job.commit,
	    log_escape(ref, sizeof(ref), job.ref), job.name);
	fflush(stdout);
	ret = 0;
out:
	job_release(&job);
	spool_close(&sp);
	return ret == 0 ? drain_run(cf) : ret;
}
