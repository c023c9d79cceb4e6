/*
 * summary.c - read the whole spool once, for status and metrics.
 *
 * Read-only and lock-free: a builder may move a job between two
 * directory listings, so a job can be missed or seen twice for one
 * moment; the next reading is right again.  A file that vanishes between
 * the listing and the read is skipped, silently; one that does not parse
 * is listed as bad, its name escaped.  The
 * run file is written by the builder while it builds (by a rename, so it
 * is read whole or not at all); its pid is asked with kill(pid, 0)
 * whether it still runs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "summary.h"

/* Largest run file read. */
#define SUMMARY_RUN_MAX 4096

static const char *const summary_names[SUMMARY_NSTATES] = {
	"pending", "active", "failed", "dead", "done"
};

const char *
summary_state_name(enum summary_state state)
{
	return summary_names[state];
}

/* Append *job to list, which takes what it owns. */
static void
summary_add(struct summary_list *list, struct job *job)
{
	list->jobs = xrealloc(list->jobs, (list->n + 1) * sizeof(*job));
	list->jobs[list->n++] = *job;
	job_init(job);
}

/*
 * Read the jobs of spool directory d into the list of state (failed/ is
 * split into failed and dead).  0 or -1 (reported).
 */
static int
summary_read_dir(struct summary *s, struct spool *sp, enum spool_dir d,
    enum summary_state state)
{
	struct strv names = STRV_INIT;
	struct job job;
	char err[256], shown[JOB_NAME_MAX * 4];
	size_t i;
	int r, ret = 0;

	if (spool_list(sp, d, &names) < 0)
		return -1;
	for (i = 0; i < names.n; i++) {
		job_init(&job);
		r = spool_read(sp, d, names.v[i], &job, err, sizeof(err));
		if (r == 0 && state == SUMMARY_FAILED &&
		    job.result == JOB_RESULT_DEAD)
			summary_add(&s->lists[SUMMARY_DEAD], &job);
		else if (r == 0)
			summary_add(&s->lists[state], &job);
		else if (r > 0)
			strv_pushf(&s->lists[state].bad, "%s: %s",
			    log_escape(shown, sizeof(shown), names.v[i]), err);
		else if (r < 0 && errno != ENOENT)
			ret = -1;
		job_release(&job);
	}
	strv_clear(&names);
	return ret;
}

int
summary_run_parse(struct summary_run *run, const char *text)
{
	const char *line, *end;
	char *num;
	long long v;
	size_t len;

	memset(run, 0, sizeof(*run));
	for (line = text; *line != '\0'; line = *end == '\n' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		len = end - line;
		if (len > 4 && strncmp(line, "job=", 4) == 0) {
			if (len - 4 >= sizeof(run->job))
				return -1;
			memcpy(run->job, line + 4, len - 4);
			run->job[len - 4] = '\0';
			continue;
		}
		if (strncmp(line, "pid=", 4) != 0 &&
		    strncmp(line, "started=", 8) != 0)
			continue;
		num = strchr(line, '=') + 1;
		v = strtoll(num, &num, 10);
		if (num != end || num == strchr(line, '=') + 1 || v <= 0)
			return -1;
		if (*line == 'p')
			run->pid = (pid_t)v;
		else
			run->started = (time_t)v;
	}
	if (run->pid <= 0)
		return -1;
	run->present = true;
	return 0;
}

/* Read the run file of sp into s->run, if there is one.  0 or -1. */
static int
summary_read_run(struct summary *s, struct spool *sp)
{
	char *text = NULL;
	size_t len;
	int fd, ret = 0;

	fd = openat(sp->fd, SPOOL_RUN,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || read_all(fd, SUMMARY_RUN_MAX, &text, &len) < 0) {
		ret = log_errno("read '%s/%s'", sp->path, SPOOL_RUN);
		goto out;
	}
	if (summary_run_parse(&s->run, text) < 0) {
		log_warn("read '%s/%s': not a run file; ignored", sp->path,
		    SPOOL_RUN);
		goto out;
	}
	s->run.stale = kill(s->run.pid, 0) < 0 && errno == ESRCH;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return ret;
}

int
summary_load(struct summary *s, struct spool *sp)
{
	static const enum spool_dir dirs[] = {
		SPOOL_NEW, SPOOL_ACTIVE, SPOOL_FAILED, SPOOL_DONE
	};
	static const enum summary_state states[] = {
		SUMMARY_PENDING, SUMMARY_ACTIVE, SUMMARY_FAILED, SUMMARY_DONE
	};
	size_t i;

	memset(s, 0, sizeof(*s));
	s->now = time(NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (summary_read_dir(s, sp, dirs[i], states[i]) < 0) {
			summary_release(s);
			return -1;
		}
	}
	if (summary_read_run(s, sp) < 0) {
		summary_release(s);
		return -1;
	}
	return 0;
}

void
summary_release(struct summary *s)
{
	size_t i, j;

	for (i = 0; i < SUMMARY_NSTATES; i++) {
		for (j = 0; j < s->lists[i].n; j++)
			job_release(&s->lists[i].jobs[j]);
		free(s->lists[i].jobs);
		strv_clear(&s->lists[i].bad);
	}
	memset(s, 0, sizeof(*s));
}

bool
summary_is_success(const struct job *job)
{
	return job->result == JOB_RESULT_BUILT ||
	    job->result == JOB_RESULT_ALREADY_BUILT;
}

/* True when a finished after b (by name when at the same second). */
static bool
summary_is_newer(const struct job *a, const struct job *b)
{
	if (a->finished != b->finished)
		return a->finished > b->finished;
	return strcmp(a->name, b->name) > 0;
}

/* The done job that finished last among those ok accepts, or NULL. */
static const struct job *
summary_newest(const struct summary *s, bool (*ok)(const struct job *))
{
	const struct summary_list *done = &s->lists[SUMMARY_DONE];
	const struct job *best = NULL;
	size_t i;

	for (i = 0; i < done->n; i++)
		if (ok(&done->jobs[i]) &&
		    (best == NULL || summary_is_newer(&done->jobs[i], best)))
			best = &done->jobs[i];
	return best;
}

/* True for a job that built images. */
static bool
summary_is_built(const struct job *job)
{
	return job->result == JOB_RESULT_BUILT;
}

const struct job *
summary_last_built(const struct summary *s)
{
	return summary_newest(s, summary_is_built);
}

const struct job *
summary_last_success(const struct summary *s)
{
	return summary_newest(s, summary_is_success);
}

/* qsort order of job pointers: by ref. */
static int
summary_cmp_ref(const void *a, const void *b)
{
	const struct job *const *x = a, *const *y = b;

	return strcmp((*x)->ref, (*y)->ref);
}

const struct job **
summary_per_ref(const struct summary *s, size_t *n)
{
	const struct summary_list *done = &s->lists[SUMMARY_DONE];
	const struct job **v, *job;
	size_t i, j;

	v = xcalloc(done->n + 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < done->n; i++) {
		job = &done->jobs[i];
		if (!summary_is_success(job) || *job->ref == '\0')
			continue;
		for (j = 0; j < *n && strcmp(v[j]->ref, job->ref) != 0; j++)
			continue;
		if (j == *n)
			v[(*n)++] = job;
		else if (summary_is_newer(job, v[j]))
			v[j] = job;
	}
	qsort(v, *n, sizeof(*v), summary_cmp_ref);
	return v;
}

time_t
summary_oldest_pending(const struct summary *s)
{
	const struct summary_list *l = &s->lists[SUMMARY_PENDING];
	time_t oldest = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (oldest == 0 || l->jobs[i].enqueued < oldest)
			oldest = l->jobs[i].enqueued;
	return oldest;
}
