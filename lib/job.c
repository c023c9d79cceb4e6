/*
 * job.c - read and write job files.
 *
 * A job file is a sequence of "key=value\n" lines.  job_format() writes
 * the keys in this order, leaving out those that hold their default:
 *
 *	version=1			required, always the first line
 *	commit=<40 or 64 hex digits>	required
 *	ref=<ref name>			required, may be empty
 *	old=<hex id>			default empty
 *	enqueued=<unix seconds>		required
 *	source=hook|manual|retry	required
 *	force=yes|no			default no
 *	no_restart=yes|no		default no
 *	rollback=yes|no			default no
 *	attempts=<n>			default 0
 *	next_try=<unix seconds>		default 0
 *	result=none|built|superseded|already-built|failed|dead
 *	started=<unix seconds>		default 0
 *	finished=<unix seconds>		default 0
 *	error=<one line>		default absent
 *	superseded_by=<job name>	default absent
 *
 * The parser is strict, because a job file crosses a trust boundary (the
 * spool is writable by the whole group) and a wrong guess could build the
 * wrong commit.  It rejects, with a one-line reason: a file larger than
 * JOB_FILE_MAX, a missing final newline, blank lines, lines without '=',
 * unknown or repeated keys, a first line other than "version=1", missing
 * required keys, NUL bytes, carriage returns and every other control
 * character, values over their limit, numbers that are not plain decimal
 * digits or overflow, and object ids that are not lowercase hex of 40 or
 * 64 digits.  Uppercase hex is rejected rather than folded: pushbuild only
 * ever writes lowercase, so an uppercase id means someone else wrote the
 * file.  "old" must be empty or as long as "commit".  The order of the
 * keys after "version" is free.
 *
 * job_parse() never reads past len and does not need a NUL terminator;
 * it keeps no state between calls, so it can be fuzzed directly.
 *
 * Strings are written with their control characters escaped (log_escape),
 * so that a ref or an error text can never start a line of its own.  Git
 * forbids control characters in ref names, so every real job round-trips:
 * job_parse(job_format(j)) gives back j.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "util.h"

/* Longest error text kept in a job, terminator included. */
#define JOB_ERROR_MAX 1024

/* Longest key, and longest value, printed back in an error message. */
#define JOB_KEY_SHOW 40
#define JOB_VALUE_SHOW 24
#define JOB_SHOW(n) (int)((n) > JOB_VALUE_SHOW ? JOB_VALUE_SHOW : (n))

/* Largest value of time_t, which is signed. */
#define JOB_TIME_MAX \
	(sizeof(time_t) == 8 ? (unsigned long long)INT64_MAX : \
	    (unsigned long long)INT32_MAX)

/* One known key: its name, its parser, and whether it is required. */
struct job_key {
	const char	*name;
	int		(*parse)(struct job *, const char *, size_t, char *,
			    size_t);
	bool		 required;
};

static const char *const job_sources[] = {
	[JOB_SOURCE_HOOK] = "hook",
	[JOB_SOURCE_MANUAL] = "manual",
	[JOB_SOURCE_RETRY] = "retry",
};

static const char *const job_results[] = {
	[JOB_RESULT_NONE] = "none",
	[JOB_RESULT_BUILT] = "built",
	[JOB_RESULT_SUPERSEDED] = "superseded",
	[JOB_RESULT_ALREADY_BUILT] = "already-built",
	[JOB_RESULT_FAILED] = "failed",
	[JOB_RESULT_DEAD] = "dead",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Write a reason into why (size whysize) and return -1. */
static int __attribute__((format(printf, 3, 4)))
job_fail(char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysize, fmt, ap);
	va_end(ap);
	return -1;
}

void
job_init(struct job *job)
{
	memset(job, 0, sizeof(*job));
	job->source = JOB_SOURCE_HOOK;
	job->result = JOB_RESULT_NONE;
}

void
job_release(struct job *job)
{
	free(job->ref);
	free(job->error);
	free(job->superseded_by);
	job_init(job);
}

const char *
job_source_name(enum job_source source)
{
	if ((size_t)source >= NELEM(job_sources))
		return "unknown";
	return job_sources[source];
}

int
job_source_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(job_sources); i++)
		if (strcmp(name, job_sources[i]) == 0)
			return (int)i;
	return -1;
}

const char *
job_result_name(enum job_result result)
{
	if ((size_t)result >= NELEM(job_results))
		return "unknown";
	return job_results[result];
}

int
job_result_parse(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(job_results); i++)
		if (strcmp(name, job_results[i]) == 0)
			return (int)i;
	return -1;
}

void
job_set_error(struct job *job, const char *error)
{
	char buf[JOB_ERROR_MAX];

	free(job->error);
	job->error = NULL;
	if (error == NULL)
		return;
	log_escape(buf, sizeof(buf), error);
	job->error = xstrdup(buf);
}

/* --- parsing ------------------------------------------------------------ */

/* Find name (n bytes, not NUL-terminated) in tab; its index or -1. */
static int
job_lookup(const char *const *tab, size_t ntab, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < ntab; i++)
		if (strlen(tab[i]) == n && memcmp(tab[i], v, n) == 0)
			return (int)i;
	return -1;
}

/* Parse n decimal digits into *out, at most max; false when malformed. */
static bool
job_number(const char *v, size_t n, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		if (x > (max - (unsigned long long)(v[i] - '0')) / 10)
			return false;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	*out = x;
	return true;
}

/* Parse a time value into *t; -1 with a reason when malformed. */
static int
job_time(time_t *t, const char *v, size_t n, char *why, size_t whysize)
{
	unsigned long long x;

	if (!job_number(v, n, JOB_TIME_MAX, &x))
		return job_fail(why, whysize, "not a time in seconds: '%.*s'",
		    JOB_SHOW(n), v);
	*t = (time_t)x;
	return 0;
}

/* Parse "yes" or "no" into *b; -1 with a reason otherwise. */
static int
job_bool(bool *b, const char *v, size_t n, char *why, size_t whysize)
{
	if (n == 3 && memcmp(v, "yes", 3) == 0)
		*b = true;
	else if (n == 2 && memcmp(v, "no", 2) == 0)
		*b = false;
	else
		return job_fail(why, whysize, "expected yes or no, not '%.*s'",
		    JOB_SHOW(n), v);
	return 0;
}

/* True when v (n bytes) is lowercase hex. */
static bool
job_is_lower_hex(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' &&
		    v[i] <= 'f')))
			return false;
	return true;
}

/* Copy an object id into dst[HEX_ID_MAX + 1]; -1 with a reason if bad. */
static int
job_object_id(char *dst, const char *v, size_t n, char *why, size_t whysize)
{
	if ((n != HEX_ID_SHA1 && n != HEX_ID_MAX) || !job_is_lower_hex(v, n))
		return job_fail(why, whysize,
		    "not a full lowercase hex object id: '%.*s'",
		    (int)(n > HEX_ID_MAX ? HEX_ID_MAX : n), v);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Copy a string value of at most max bytes into *dst. */
static int
job_string(char **dst, const char *v, size_t n, size_t max, char *why,
    size_t whysize)
{
	if (n > max)
		return job_fail(why, whysize, "value longer than %zu bytes",
		    max);
	*dst = xstrndup(v, n);
	return 0;
}

/* version=1 */
static int
job_key_version(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	if (n == 1 && v[0] == '1')
		return 0;
	return job_fail(why, whysize, "unsupported version '%.*s'",
	    JOB_SHOW(n), v);
}

/* commit=<id> */
static int
job_key_commit(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_object_id(job->commit, v, n, why, whysize);
}

/* ref=<name> */
static int
job_key_ref(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_string(&job->ref, v, n, JOB_REF_MAX, why, whysize);
}

/* old=<id> or empty */
static int
job_key_old(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	if (n == 0)
		return 0;
	return job_object_id(job->old, v, n, why, whysize);
}

/* enqueued=<seconds> */
static int
job_key_enqueued(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_time(&job->enqueued, v, n, why, whysize);
}

/* source=hook|manual|retry */
static int
job_key_source(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	int i = job_lookup(job_sources, NELEM(job_sources), v, n);

	if (i < 0)
		return job_fail(why, whysize, "unknown source '%.*s'",
		    JOB_SHOW(n), v);
	job->source = (enum job_source)i;
	return 0;
}

/* force=yes|no */
static int
job_key_force(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_bool(&job->force, v, n, why, whysize);
}

/* no_restart=yes|no */
static int
job_key_no_restart(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_bool(&job->no_restart, v, n, why, whysize);
}

/* rollback=yes|no */
static int
job_key_rollback(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_bool(&job->rollback, v, n, why, whysize);
}

/* attempts=<n> */
static int
job_key_attempts(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	unsigned long long x;

	if (!job_number(v, n, UINT_MAX, &x))
		return job_fail(why, whysize, "not a count: '%.*s'",
		    JOB_SHOW(n), v);
	job->attempts = (unsigned)x;
	return 0;
}

/* next_try=<seconds> */
static int
job_key_next_try(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_time(&job->next_try, v, n, why, whysize);
}

/* result=<name> */
static int
job_key_result(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	int i = job_lookup(job_results, NELEM(job_results), v, n);

	if (i < 0)
		return job_fail(why, whysize, "unknown result '%.*s'",
		    JOB_SHOW(n), v);
	job->result = (enum job_result)i;
	return 0;
}

/* started=<seconds> */
static int
job_key_started(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_time(&job->started, v, n, why, whysize);
}

/* finished=<seconds> */
static int
job_key_finished(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_time(&job->finished, v, n, why, whysize);
}

/* error=<text> */
static int
job_key_error(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_string(&job->error, v, n, JOB_ERROR_MAX - 1, why, whysize);
}

/* superseded_by=<job name> */
static int
job_key_superseded_by(struct job *job, const char *v, size_t n, char *why,
    size_t whysize)
{
	return job_string(&job->superseded_by, v, n, JOB_NAME_MAX - 1, why,
	    whysize);
}

/* Every key, in the order job_format() writes them; version first. */
static const struct job_key job_keys[] = {
	{ "version",		job_key_version,	true },
	{ "commit",		job_key_commit,		true },
	{ "ref",		job_key_ref,		true },
	{ "old",		job_key_old,		false },
	{ "enqueued",		job_key_enqueued,	true },
	{ "source",		job_key_source,		true },
	{ "force",		job_key_force,		false },
	{ "no_restart",		job_key_no_restart,	false },
	{ "rollback",		job_key_rollback,	false },
	{ "attempts",		job_key_attempts,	false },
	{ "next_try",		job_key_next_try,	false },
	{ "result",		job_key_result,		false },
	{ "started",		job_key_started,	false },
	{ "finished",		job_key_finished,	false },
	{ "error",		job_key_error,		false },
	{ "superseded_by",	job_key_superseded_by,	false },
};

/* The index of the key (n bytes) in job_keys, or -1. */
static int
job_key_find(const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < NELEM(job_keys); i++)
		if (strlen(job_keys[i].name) == n &&
		    memcmp(job_keys[i].name, key, n) == 0)
			return (int)i;
	return -1;
}

/* The reason a line (n bytes, no newline) holds a forbidden byte, or NULL. */
static const char *
job_bad_byte(const char *line, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)line[i];
		if (c == '\0')
			return "NUL byte";
		if (c == '\r')
			return "carriage return";
		if (c < 0x20 || c == 0x7f)
			return "control character";
	}
	return NULL;
}

/*
 * Parse one line (n bytes, no newline), line number lineno, into *job;
 * *seen has one bit per key already read.  -1 with a reason in why.
 */
static int
job_parse_line(struct job *job, const char *line, size_t n, unsigned lineno,
    unsigned *seen, char *why, size_t whysize)
{
	const char *eq, *bad;
	size_t klen;
	int k;

	if (n == 0)
		return job_fail(why, whysize, "blank line");
	if ((bad = job_bad_byte(line, n)) != NULL)
		return job_fail(why, whysize, "%s", bad);
	if ((eq = memchr(line, '=', n)) == NULL)
		return job_fail(why, whysize, "no '=' in line");
	klen = (size_t)(eq - line);

	/* The key holds no control character now: it may be quoted. */
	k = job_key_find(line, klen);
	if (k < 0)
		return job_fail(why, whysize, "unknown key '%.*s'",
		    (int)(klen > JOB_KEY_SHOW ? JOB_KEY_SHOW : klen), line);
	if (*seen & (1u << k))
		return job_fail(why, whysize, "duplicate key '%s'",
		    job_keys[k].name);
	if ((lineno == 1) != (k == 0))
		return job_fail(why, whysize,
		    "the first line must be version=1");
	*seen |= 1u << k;
	return job_keys[k].parse(job, eq + 1, n - klen - 1, why, whysize);
}

/* Check what only the whole file can tell; -1 with a reason in why. */
static int
job_parse_check(const struct job *job, unsigned seen, char *why,
    size_t whysize)
{
	size_t i;

	for (i = 0; i < NELEM(job_keys); i++)
		if (job_keys[i].required && (seen & (1u << i)) == 0)
			return job_fail(why, whysize, "missing key '%s'",
			    job_keys[i].name);
	if (job->old[0] != '\0' && strlen(job->old) != strlen(job->commit))
		return job_fail(why, whysize,
		    "old id and commit id differ in length");
	return 0;
}

int
job_parse(struct job *job, const char *buf, size_t len, char *err,
    size_t errsize)
{
	char why[256];
	const char *p = buf, *nl;
	unsigned lineno = 0, seen = 0;

	job_init(job);
	if (len > JOB_FILE_MAX) {
		snprintf(err, errsize, "larger than %d bytes", JOB_FILE_MAX);
		return -1;
	}
	while ((size_t)(p - buf) < len) {
		lineno++;
		nl = memchr(p, '\n', len - (size_t)(p - buf));
		if (nl == NULL) {
			snprintf(err, errsize, "line %u: missing final newline",
			    lineno);
			goto fail;
		}
		if (job_parse_line(job, p, (size_t)(nl - p), lineno, &seen,
		    why, sizeof(why)) < 0) {
			snprintf(err, errsize, "line %u: %s", lineno, why);
			goto fail;
		}
		p = nl + 1;
	}
	if (job_parse_check(job, seen, why, sizeof(why)) < 0) {
		snprintf(err, errsize, "%s", why);
		goto fail;
	}
	return 0;
fail:
	job_release(job);
	return -1;
}

/* --- formatting --------------------------------------------------------- */

/* A growing text buffer for job_format(). */
struct job_text {
	char	*buf;
	size_t	 len;
	size_t	 alloc;
};

/* Append a formatted line to *t. */
static void __attribute__((format(printf, 2, 3)))
job_text_add(struct job_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (t->len + (size_t)n + 1 > t->alloc) {
		t->alloc = t->len + (size_t)n + 1 + 256;
		t->buf = xrealloc(t->buf, t->alloc);
	}
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->alloc - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Append "key=<s with control characters escaped>\n" to *t. */
static void
job_text_string(struct job_text *t, const char *key, const char *s)
{
	size_t size = strlen(s) * 4 + 1;
	char *esc = xmalloc(size);

	log_escape(esc, size, s);
	job_text_add(t, "%s=%s\n", key, esc);
	free(esc);
}

/* Append "key=<t>\n" when t is not 0. */
static void
job_text_time(struct job_text *t, const char *key, time_t v)
{
	if (v != 0)
		job_text_add(t, "%s=%lld\n", key, (long long)v);
}

char *
job_format(const struct job *job)
{
	struct job_text t = { NULL, 0, 0 };

	job_text_add(&t, "version=1\ncommit=%s\n", job->commit);
	job_text_string(&t, "ref", job->ref == NULL ? "" : job->ref);
	if (job->old[0] != '\0')
		job_text_add(&t, "old=%s\n", job->old);
	job_text_add(&t, "enqueued=%lld\nsource=%s\n",
	    (long long)job->enqueued, job_source_name(job->source));
	if (job->force)
		job_text_add(&t, "force=yes\n");
	if (job->no_restart)
		job_text_add(&t, "no_restart=yes\n");
	if (job->rollback)
		job_text_add(&t, "rollback=yes\n");
	if (job->attempts != 0)
		job_text_add(&t, "attempts=%u\n", job->attempts);
	job_text_time(&t, "next_try", job->next_try);
	if (job->result != JOB_RESULT_NONE)
		job_text_add(&t, "result=%s\n", job_result_name(job->result));
	job_text_time(&t, "started", job->started);
	job_text_time(&t, "finished", job->finished);
	if (job->error != NULL)
		job_text_string(&t, "error", job->error);
	if (job->superseded_by != NULL)
		job_text_string(&t, "superseded_by", job->superseded_by);
	return t.buf;
}
