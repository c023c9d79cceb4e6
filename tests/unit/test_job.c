/*
 * test_job.c - the job file: round trips, the strict parser's refusals,
 * and error texts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job.h"
#include "util.h"

#define C40 "0123456789abcdef0123456789abcdef01234567"
#define C64 C40 "0123456789abcdef01234567"
#define HEAD "version=1\ncommit=" C40 "\n"
#define BODY "ref=refs/heads/main\nenqueued=1700000000\nsource=hook\n"
#define VALID HEAD BODY

/* One file the parser must refuse, and a part of the reason it gives. */
struct bad_case {
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	const char	*reason;
};

static const struct bad_case bad_cases[] = {
	{ "", 0, "missing key 'version'" },
	{ VALID "foo=bar\n", 0, "line 6: unknown key 'foo'" },
	{ VALID "=x\n", 0, "line 6: unknown key ''" },
	{ " version=1\n", 0, "line 1: unknown key ' version'" },
	{ VALID "ref=x\n", 0, "line 6: duplicate key 'ref'" },
	{ VALID "garbage\n", 0, "line 6: no '=' in line" },
	{ "version=1\ncommit=" C40 "\nref=a\nenqueued=1\nsource=hook", 0,
	    "line 5: missing final newline" },
	{ "version=1\n\ncommit=" C40 "\n", 0, "line 2: blank line" },
	{ "version=1\nref=a\0b\n", 18, "line 2: NUL byte" },
	{ "version=1\r\n", 0, "line 1: carriage return" },
	{ HEAD "ref=a\033[2Jb\n", 0, "line 3: control character" },
	{ HEAD "ref=a\tb\n", 0, "line 3: control character" },
	{ HEAD "ref=a\177b\n", 0, "line 3: control character" },
	{ "version=2\n", 0, "line 1: unsupported version '2'" },
	{ "commit=" C40 "\nversion=1\n", 0, "line 1: the first line" },
	{ HEAD "version=1\n", 0, "line 3: duplicate key 'version'" },
	{ HEAD "ref=a\nsource=hook\n", 0, "missing key 'enqueued'" },
	{ HEAD "ref=a\nenqueued=1\n", 0, "missing key 'source'" },
	{ HEAD "enqueued=1\nsource=hook\n", 0, "missing key 'ref'" },
	{ "version=1\n" BODY, 0, "missing key 'commit'" },
	{ "version=1\ncommit=" C40 "a\n", 0, "line 2: not a full" },
	{ "version=1\ncommit=" "0123456789abcdef0123456789abcdef0123456\n",
	    0, "line 2: not a full" },
	{ "version=1\ncommit=" "0123456789ABCDEF0123456789abcdef01234567\n",
	    0, "line 2: not a full" },
	{ "version=1\ncommit=" "g123456789abcdef0123456789abcdef01234567\n",
	    0, "line 2: not a full" },
	{ "version=1\ncommit=\n", 0, "line 2: not a full" },
	{ VALID "old=" C64 "\n", 0, "differ in length" },
	{ VALID "old=xyz\n", 0, "line 6: not a full" },
	{ HEAD "ref=a\nenqueued=12a\nsource=hook\n", 0,
	    "line 4: not a time" },
	{ HEAD "ref=a\nenqueued=\nsource=hook\n", 0, "line 4: not a time" },
	{ HEAD "ref=a\nenqueued=-1\nsource=hook\n", 0, "line 4: not a time" },
	{ HEAD "ref=a\nenqueued=+1\nsource=hook\n", 0, "line 4: not a time" },
	{ HEAD "ref=a\nenqueued= 1\nsource=hook\n", 0, "line 4: not a time" },
	{ HEAD "ref=a\nenqueued=99999999999999999999\nsource=hook\n", 0,
	    "line 4: not a time" },
	{ HEAD "ref=a\nenqueued=9223372036854775808\nsource=hook\n", 0,
	    "line 4: not a time" },
	{ VALID "attempts=4294967296\n", 0, "line 6: not a count" },
	{ VALID "next_try=1e9\n", 0, "line 6: not a time" },
	{ HEAD "ref=a\nenqueued=1\nsource=cron\n", 0,
	    "line 5: unknown source 'cron'" },
	{ VALID "result=maybe\n", 0, "line 6: unknown result 'maybe'" },
	{ VALID "force=true\n", 0, "line 6: expected yes or no" },
	{ VALID "no_restart=\n", 0, "line 6: expected yes or no" },
	{ VALID "superseded_by="
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "\n", 0, "line 6: value longer than 63 bytes" },
};

/* A job with every field set to something other than its default. */
static void
job_fill(struct job *job)
{
	job_init(job);
	strcpy(job->commit, C64);
	strcpy(job->old, "fedcba9876543210fedcba9876543210"
	    "fedcba9876543210fedcba9876543210");
	job->ref = xstrdup("refs/heads/feature/$x;y|`z` é");
	job->enqueued = 1764775469;
	job->source = JOB_SOURCE_RETRY;
	job->force = true;
	job->no_restart = true;
	job->rollback = true;
	job->attempts = 4294967295u;
	job->next_try = 1764779069;
	job->result = JOB_RESULT_DEAD;
	job->started = 1764775470;
	job->finished = 1764775480;
	job_set_error(job, "engine 'podman' exited 125 = bad");
	job->superseded_by = xstrdup("1764775469.123456789.0012345.7");
}

/* Assert that two jobs hold the same fields (the name is not in the file). */
static void
assert_job_equal(const struct job *a, const struct job *b)
{
	assert_string_equal(a->commit, b->commit);
	assert_string_equal(a->old, b->old);
	assert_string_equal(a->ref, b->ref);
	assert_int_equal(a->enqueued, b->enqueued);
	assert_int_equal(a->source, b->source);
	assert_int_equal(a->force, b->force);
	assert_int_equal(a->no_restart, b->no_restart);
	assert_int_equal(a->rollback, b->rollback);
	assert_int_equal(a->attempts, b->attempts);
	assert_int_equal(a->next_try, b->next_try);
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->started, b->started);
	assert_int_equal(a->finished, b->finished);
	if (a->error == NULL || b->error == NULL)
		assert_ptr_equal(a->error, b->error);
	else
		assert_string_equal(a->error, b->error);
	if (a->superseded_by == NULL || b->superseded_by == NULL)
		assert_ptr_equal(a->superseded_by, b->superseded_by);
	else
		assert_string_equal(a->superseded_by, b->superseded_by);
}

/* Parse a copy of text (len bytes) in a buffer with no terminator. */
static int
parse_exact(struct job *job, const char *text, size_t len, char *err,
    size_t errsize)
{
	char *copy = xmalloc(len);
	int r;

	memcpy(copy, text, len);
	r = job_parse(job, copy, len, err, errsize);
	free(copy);
	return r;
}

static void
test_job_format_round_trip_all_fields(void **state)
{
	struct job in, out;
	char err[256];
	char *text;

	job_fill(&in);

	text = job_format(&in);

	assert_int_equal(parse_exact(&out, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_job_equal(&in, &out);
	free(text);
	job_release(&in);
	job_release(&out);
}

static void
test_job_format_minimal_omits_defaults(void **state)
{
	struct job job;
	char *text;

	job_init(&job);
	strcpy(job.commit, C40);
	job.ref = xstrdup("");
	job.enqueued = 5;
	job.source = JOB_SOURCE_MANUAL;

	text = job_format(&job);

	assert_string_equal(text,
	    "version=1\ncommit=" C40 "\nref=\nenqueued=5\nsource=manual\n");
	free(text);
	job_release(&job);
}

static void
test_job_format_writes_keys_in_order(void **state)
{
	struct job job;
	char *text;

	job_fill(&job);

	text = job_format(&job);

	assert_string_equal(text, "version=1\ncommit=" C64 "\n"
	    "ref=refs/heads/feature/$x;y|`z` é\n"
	    "old=fedcba9876543210fedcba9876543210"
	    "fedcba9876543210fedcba9876543210\n"
	    "enqueued=1764775469\nsource=retry\nforce=yes\nno_restart=yes\n"
	    "rollback=yes\nattempts=4294967295\nnext_try=1764779069\n"
	    "result=dead\n"
	    "started=1764775470\nfinished=1764775480\n"
	    "error=engine 'podman' exited 125 = bad\n"
	    "superseded_by=1764775469.123456789.0012345.7\n");
	free(text);
	job_release(&job);
}

static void
test_job_format_escapes_control_in_ref(void **state)
{
	struct job in, out;
	char err[256];
	char *text;

	job_init(&in);
	strcpy(in.commit, C40);
	in.ref = xstrdup("refs/heads/x\nforce=yes");

	text = job_format(&in);

	assert_int_equal(job_parse(&out, text, strlen(text), err,
	    sizeof(err)), 0);
	assert_string_equal(out.ref, "refs/heads/x\\x0aforce=yes");
	assert_false(out.force);
	free(text);
	job_release(&in);
	job_release(&out);
}

static void
test_job_parse_rejects_malformed(void **state)
{
	struct job job;
	char err[256];
	size_t i, len;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		len = bad_cases[i].len;
		if (len == 0)
			len = strlen(bad_cases[i].text);
		err[0] = '\0';

		if (parse_exact(&job, bad_cases[i].text, len, err,
		    sizeof(err)) != -1)
			fail_msg("case %zu parsed", i);

		if (strstr(err, bad_cases[i].reason) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad_cases[i].reason);
		assert_null(job.ref);
		assert_string_equal(job.commit, "");
	}
}

static void
test_job_parse_accepts_sha256_and_old(void **state)
{
	const char *text = "version=1\ncommit=" C64 "\nref=\nold=" C64 "\n"
	    "enqueued=0\nsource=manual\n";
	struct job job;
	char err[256];

	assert_int_equal(parse_exact(&job, text, strlen(text), err,
	    sizeof(err)), 0);

	assert_string_equal(job.commit, C64);
	assert_string_equal(job.old, C64);
	assert_string_equal(job.ref, "");
	job_release(&job);
}

static void
test_job_parse_ref_longer_than_max(void **state)
{
	size_t size = JOB_REF_MAX + 200;
	char *text = xmalloc(size);
	struct job job;
	char err[256];
	int n;

	n = snprintf(text, size, "%sref=%0*d\n", HEAD, JOB_REF_MAX + 1, 0);

	assert_int_equal(parse_exact(&job, text, (size_t)n, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 3: value longer than 4096 bytes");
	free(text);
}

static void
test_job_parse_ref_at_max(void **state)
{
	size_t size = JOB_REF_MAX + 200;
	char *text = xmalloc(size);
	struct job job;
	char err[256];
	int n;

	n = snprintf(text, size, "%sref=%0*d\nenqueued=1\nsource=hook\n",
	    HEAD, JOB_REF_MAX, 0);

	assert_int_equal(parse_exact(&job, text, (size_t)n, err,
	    sizeof(err)), 0);
	assert_int_equal(strlen(job.ref), JOB_REF_MAX);
	job_release(&job);
	free(text);
}

static void
test_job_parse_file_larger_than_max(void **state)
{
	size_t len = JOB_FILE_MAX + 1;
	char *text = xmalloc(len);
	struct job job;
	char err[256];

	memset(text, '\n', len);

	assert_int_equal(job_parse(&job, text, len, err, sizeof(err)), -1);
	assert_string_equal(err, "larger than 65536 bytes");
	free(text);
}

static void
test_job_parse_every_prefix_without_newline_fails(void **state)
{
	struct job in, out;
	char err[256];
	char *text;
	size_t len, i;

	job_fill(&in);
	text = job_format(&in);
	len = strlen(text);

	for (i = 1; i < len; i++) {
		if (text[i - 1] == '\n')
			continue;
		if (parse_exact(&out, text, i, err, sizeof(err)) != -1)
			fail_msg("prefix of %zu bytes parsed", i);
		assert_non_null(strstr(err, "missing final newline"));
	}
	free(text);
	job_release(&in);
}

static void
test_job_parse_survives_every_byte_value(void **state)
{
	struct job out;
	char err[256];
	char *text;
	size_t len, i;
	int c, ok = 0;

	text = xstrdup(VALID);
	len = strlen(text);

	/* Each byte position set to each value: no crash, no leak. */
	for (i = 0; i < len; i++) {
		char saved = text[i];

		for (c = 0; c < 256; c++) {
			text[i] = (char)c;
			if (parse_exact(&out, text, len, err,
			    sizeof(err)) == 0) {
				ok++;
				job_release(&out);
			}
		}
		text[i] = saved;
	}

	assert_true(ok >= (int)len);
	free(text);
}

static void
test_job_set_error_escapes_control(void **state)
{
	struct job job;

	job_init(&job);

	job_set_error(&job, "build\nfailed\033[31m");

	assert_string_equal(job.error, "build\\x0afailed\\x1b[31m");
	job_release(&job);
}

static void
test_job_set_error_cuts_long_text(void **state)
{
	char *longer = xmalloc(5000);
	struct job job;
	char err[256];
	char *text;
	struct job out;

	memset(longer, 'e', 4999);
	longer[4999] = '\0';
	job_init(&job);
	strcpy(job.commit, C40);
	job.ref = xstrdup("r");

	job_set_error(&job, longer);

	assert_true(strlen(job.error) < 1024);
	assert_true(strlen(job.error) > 900);
	text = job_format(&job);
	assert_int_equal(job_parse(&out, text, strlen(text), err,
	    sizeof(err)), 0);
	free(text);
	free(longer);
	job_release(&job);
	job_release(&out);
}

static void
test_job_set_error_null_clears(void **state)
{
	struct job job;

	job_init(&job);
	job_set_error(&job, "x");

	job_set_error(&job, NULL);

	assert_null(job.error);
	job_release(&job);
}

static void
test_job_source_parse_round_trip(void **state)
{
	int s;

	for (s = JOB_SOURCE_HOOK; s <= JOB_SOURCE_RETRY; s++)
		assert_int_equal(job_source_parse(job_source_name(s)), s);

	assert_int_equal(job_source_parse("cron"), -1);
}

static void
test_job_result_parse_round_trip(void **state)
{
	int r;

	for (r = JOB_RESULT_NONE; r <= JOB_RESULT_DEAD; r++)
		assert_int_equal(job_result_parse(job_result_name(r)), r);

	assert_string_equal(job_result_name(JOB_RESULT_ALREADY_BUILT),
	    "already-built");
	assert_int_equal(job_result_parse("Built"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_format_round_trip_all_fields),
		cmocka_unit_test(test_job_format_minimal_omits_defaults),
		cmocka_unit_test(test_job_format_writes_keys_in_order),
		cmocka_unit_test(test_job_format_escapes_control_in_ref),
		cmocka_unit_test(test_job_parse_rejects_malformed),
		cmocka_unit_test(test_job_parse_accepts_sha256_and_old),
		cmocka_unit_test(test_job_parse_ref_longer_than_max),
		cmocka_unit_test(test_job_parse_ref_at_max),
		cmocka_unit_test(test_job_parse_file_larger_than_max),
		cmocka_unit_test(
		    test_job_parse_every_prefix_without_newline_fails),
		cmocka_unit_test(test_job_parse_survives_every_byte_value),
		cmocka_unit_test(test_job_set_error_escapes_control),
		cmocka_unit_test(test_job_set_error_cuts_long_text),
		cmocka_unit_test(test_job_set_error_null_clears),
		cmocka_unit_test(test_job_source_parse_round_trip),
		cmocka_unit_test(test_job_result_parse_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
