/*
 * status.c - pushbuild status: the queue at a glance, as text for people
 * or as JSON (jansson) for programs.
 *
 * Both forms print the same facts, read once with summary_load(): takes
 * no lock, creates nothing, may run while a builder works.  Text escapes
 * control characters of ref names and errors; JSON escapes by itself.
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmds.h"
#include "log.h"
#include "spool.h"
#include "summary.h"

/* Finished jobs shown, the newest. */
#define STATUS_DONE_SHOWN 10

/* Hex digits of a commit shown in text, as the hook prints them. */
#define STATUS_SHORT 12

/* Print the state-specific part of a job line. */
static void
status_job_state(const struct job *job)
{
	char when[21];

	switch (job->result) {
	case JOB_RESULT_NONE:
		if (job->started != 0)
			printf("  started %s", format_utc(when, job->started));
		else
			printf("  queued %s (%s)",
			    format_utc(when, job->enqueued),
			    job_source_name(job->source));
		break;
	case JOB_RESULT_FAILED:
		printf("  attempt %u, next try %s", job->attempts,
		    format_utc(when, job->next_try));
		break;
	case JOB_RESULT_DEAD:
		printf("  dead after %u attempt%s", job->attempts,
		    job->attempts == 1 ? "" : "s");
		break;
	case JOB_RESULT_SUPERSEDED:
		printf("  superseded by %s", job->superseded_by != NULL ?
		    job->superseded_by : "?");
		break;
	default:
		printf("  %s %s (%lld s)", job_result_name(job->result),
		    format_utc(when, job->finished),
		    (long long)(job->finished - job->started));
		break;
	}
}

/* Print one job: name, commit, ref, state; its error on a second line. */
static void
status_job(const struct job *job, const struct summary_run *run)
{
	char ref[256], err[256];

	log_escape(ref, sizeof(ref), *job->ref != '\0' ? job->ref : "-");
	printf("  %s  %.*s  %s", job->name, STATUS_SHORT, job->commit, ref);
	status_job_state(job);
	if (job->force)
		printf(", force");
	if (job->no_restart)
		printf(", no restart");
	if (run->present && strcmp(run->job, job->name) == 0)
		printf(", builder pid %ld%s", (long)run->pid,
		    run->stale ? " (stale: no longer runs)" : "");
	if (job->error != NULL && !summary_is_success(job))
		printf("\n    error: %s", log_escape(err, sizeof(err),
		    job->error));
	putchar('\n');
}

/* Print one state's jobs (the last `last` of them when nonzero). */
static void
status_list(const struct summary *s, enum summary_state state, size_t last)
{
	const struct summary_list *l = &s->lists[state];
	size_t i;

	printf("%s: %zu", summary_state_name(state), l->n);
	if (last != 0 && l->n > last)
		printf(" (the last %zu)", last);
	putchar('\n');
	i = last != 0 && l->n > last ? l->n - last : 0;
	for (; i < l->n; i++)
		status_job(&l->jobs[i], &s->run);
	for (i = 0; i < l->bad.n; i++)
		printf("  unreadable: %s\n", l->bad.v[i]);
}

/* Print the builder line: what the run file says. */
static void
status_builder(const struct summary_run *run)
{
	char when[21];

	if (!run->present)
		printf("builder: not running\n");
	else if (run->stale)
		printf("builder: stale: pid %ld no longer runs (was building "
		    "%s since %s); the next drain recovers its job\n",
		    (long)run->pid, run->job, format_utc(when, run->started));
	else
		printf("builder: pid %ld building %s since %s\n",
		    (long)run->pid, run->job, format_utc(when, run->started));
}

/* Print the last success per ref and what was deployed last. */
static void
status_success(const struct summary *s)
{
	const struct job **v, *dep;
	char ref[256], when[21];
	size_t i, n;

	v = summary_per_ref(s, &n);
	printf("last success: %zu ref%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		printf("  %s  %.*s  %s %s (job %s)\n",
		    log_escape(ref, sizeof(ref), v[i]->ref), STATUS_SHORT,
		    v[i]->commit, job_result_name(v[i]->result),
		    format_utc(when, v[i]->finished), v[i]->name);
	free(v);
	if ((dep = summary_last_success(s)) == NULL) {
		printf("deployed: none\n");
		return;
	}
	printf("deployed: %.*s  %s, %s %s (job %s)\n", STATUS_SHORT,
	    dep->commit, log_escape(ref, sizeof(ref),
	    *dep->ref != '\0' ? dep->ref : "-"),
	    job_result_name(dep->result), format_utc(when, dep->finished),
	    dep->name);
}

/* The text form. */
static void
status_text(const struct summary *s)
{
	status_builder(&s->run);
	status_list(s, SUMMARY_PENDING, 0);
	status_list(s, SUMMARY_ACTIVE, 0);
	status_list(s, SUMMARY_FAILED, 0);
	status_list(s, SUMMARY_DEAD, 0);
	status_list(s, SUMMARY_DONE, STATUS_DONE_SHOWN);
	status_success(s);
}

/* A JSON number for a time, or null when it is 0 (unset). */
static json_t *
status_json_time(time_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

/*
 * A JSON string of s, or null when s is NULL.  jansson takes UTF-8 only:
 * text that is not (a ref name may be any bytes) has each byte above 0x7f
 * written as "\xNN".
 */
static json_t *
status_json_str(const char *s)
{
	json_t *j;
	char *copy, *p;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	copy = p = xmalloc(4 * strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x80)
			*p++ = *s;
		else
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
	}
	*p = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

/* The JSON object of one job; null for no job. */
static json_t *
status_json_job(const struct job *job)
{
	json_t *o;

	if (job == NULL)
		return json_null();
	o = json_pack("{s:s, s:s, s:o, s:s, s:b, s:b, s:i, s:s}",
	    "name", job->name, "commit", job->commit,
	    "ref", status_json_str(job->ref),
	    "source", job_source_name(job->source), "force", job->force,
	    "no_restart", job->no_restart, "attempts", (int)job->attempts,
	    "result", job_result_name(job->result));
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "enqueued", status_json_time(job->enqueued));
	json_object_set_new(o, "next_try", status_json_time(job->next_try));
	json_object_set_new(o, "started", status_json_time(job->started));
	json_object_set_new(o, "finished", status_json_time(job->finished));
	json_object_set_new(o, "duration", job->finished != 0 &&
	    job->started != 0 ? json_integer((json_int_t)(job->finished -
	    job->started)) : json_null());
	json_object_set_new(o, "error", status_json_str(job->error));
	json_object_set_new(o, "superseded_by",
	    status_json_str(job->superseded_by));
	return o;
}

/* The JSON array of one state's jobs (the last `last` when nonzero). */
static json_t *
status_json_list(const struct summary_list *l, size_t last)
{
	json_t *a = json_array();
	size_t i;

	i = last != 0 && l->n > last ? l->n - last : 0;
	for (; i < l->n; i++)
		json_array_append_new(a, status_json_job(&l->jobs[i]));
	return a;
}

/* The builder object: the run file, or null. */
static json_t *
status_json_builder(const struct summary_run *run)
{
	if (!run->present)
		return json_null();
	return json_pack("{s:I, s:s, s:o, s:b}", "pid", (json_int_t)run->pid,
	    "job", run->job, "started", status_json_time(run->started),
	    "stale", run->stale);
}

/* The whole status as one JSON object. */
static json_t *
status_json(const struct summary *s)
{
	const struct job **v;
	json_t *o, *refs, *bad;
	size_t i, n;
	int st;

	o = json_object();
	json_object_set_new(o, "now", json_integer((json_int_t)s->now));
	json_object_set_new(o, "builder", status_json_builder(&s->run));
	bad = json_array();
	for (st = 0; st < SUMMARY_NSTATES; st++) {
		json_object_set_new(o, summary_state_name(st),
		    status_json_list(&s->lists[st], st == SUMMARY_DONE ?
		    STATUS_DONE_SHOWN : 0));
		for (i = 0; i < s->lists[st].bad.n; i++)
			json_array_append_new(bad,
			    status_json_str(s->lists[st].bad.v[i]));
	}
	json_object_set_new(o, "done_total",
	    json_integer((json_int_t)s->lists[SUMMARY_DONE].n));
	json_object_set_new(o, "unreadable", bad);
	refs = json_array();
	v = summary_per_ref(s, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(refs, status_json_job(v[i]));
	free(v);
	json_object_set_new(o, "last_success", refs);
	json_object_set_new(o, "deployed",
	    status_json_job(summary_last_success(s)));
	return o;
}

/* Print the JSON form on one line.  0 or -1 (reported). */
static int
status_print_json(const struct summary *s)
{
	json_t *o = status_json(s);
	int r;

	/* Ref names and errors may hold bytes that are not UTF-8. */
	r = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (r < 0 || putchar('\n') == EOF)
		return log_error("write status: cannot write JSON");
	return 0;
}

int
cmd_status(const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct spool sp = { 0 };
	struct summary s;
	bool json = false;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'j')
			return usage();
		json = true;
	}
	if (optind != argc)
		return usage();
	if (spool_open(&sp, cf->spool_dir, false) < 0)
		return EX_NOINPUT;
	if (summary_load(&s, &sp) < 0) {
		spool_close(&sp);
		return EX_IOERR;
	}
	if (json)
		ret = status_print_json(&s) < 0 ? EX_IOERR : 0;
	else
		status_text(&s);
	if (fflush(stdout) == EOF)
		ret = log_errno("write status") < 0 ? EX_IOERR : ret;
	summary_release(&s);
	spool_close(&sp);
	return ret;
}
