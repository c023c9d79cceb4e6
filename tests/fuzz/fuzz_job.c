/*
 * fuzz_job.c - libFuzzer target for job_parse() and job_format().
 *
 * The input is a job file as the builder reads it from the spool, which
 * the whole spool group can write.  job_parse() must never crash, leak or
 * read past len (the input is handed over in a buffer of exactly size
 * bytes, without a NUL, so ASan sees any overread).  A rejected file must
 * come with a reason.  An accepted file must round-trip: job_format() of
 * the job parses back to the same job, and formats to the same text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when the two strings are equal; NULL equals only NULL. */
static bool
fuzz_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* True when a and b hold the same job (the name is not in the file). */
static bool
fuzz_same_job(const struct job *a, const struct job *b)
{
	return strcmp(a->commit, b->commit) == 0 &&
	    strcmp(a->old, b->old) == 0 && fuzz_same(a->ref, b->ref) &&
	    a->enqueued == b->enqueued && a->source == b->source &&
	    a->force == b->force && a->no_restart == b->no_restart &&
	    a->attempts == b->attempts && a->next_try == b->next_try &&
	    a->result == b->result && a->started == b->started &&
	    a->finished == b->finished && fuzz_same(a->error, b->error) &&
	    fuzz_same(a->superseded_by, b->superseded_by);
}

/* Abort unless job, parsed from a file, survives format and parse. */
static void
fuzz_round_trip(const struct job *job)
{
	struct job again;
	char err[256], *text, *text2;

	text = job_format(job);
	if (job_parse(&again, text, strlen(text), err, sizeof(err)) < 0)
		abort();
	if (!fuzz_same_job(job, &again))
		abort();
	text2 = job_format(&again);
	if (strcmp(text, text2) != 0)
		abort();
	free(text2);
	free(text);
	job_release(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job job;
	char err[256], *buf;

	/* An exact-size copy: libFuzzer's own buffer may have slack. */
	buf = malloc(size == 0 ? 1 : size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	err[0] = '\0';
	if (job_parse(&job, buf, size, err, sizeof(err)) == 0) {
		fuzz_round_trip(&job);
		job_release(&job);
	} else if (err[0] == '\0' || job.ref != NULL || job.error != NULL ||
	    job.superseded_by != NULL) {
		abort();
	}

	free(buf);
	return 0;
}
