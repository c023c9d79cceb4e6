/*
 * fuzz_hookline.c - libFuzzer target for hookline_parse().
 *
 * The input is one line of post-receive input as the hook reads it: a
 * NUL-terminated copy (bytes after an embedded NUL are not seen, as in
 * the hook, which refuses such lines before parsing).  Beyond "no crash,
 * no leak, no undefined behaviour", an accepted line must give what the
 * header promises: two lowercase ids of one valid length, and a ref that
 * points into the line, starts with "refs/" and holds no space or control
 * character.  A broken promise aborts, which libFuzzer reports as a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hookline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when id is 40 or 64 lowercase hex digits. */
static bool
fuzz_is_id(const char *id)
{
	size_t n = strlen(id);

	return (n == HEX_ID_SHA1 || n == HEX_ID_MAX) &&
	    strspn(id, "0123456789abcdef") == n;
}

/* Abort unless the accepted update u of line keeps the promises. */
static void
fuzz_check(const struct hook_update *u, const char *line, size_t size)
{
	const unsigned char *p;

	if (!fuzz_is_id(u->old) || !fuzz_is_id(u->new) ||
	    strlen(u->old) != strlen(u->new))
		abort();
	if (u->ref < line || u->ref >= line + size + 1)
		abort();
	if (strncmp(u->ref, "refs/", 5) != 0)
		abort();
	for (p = (const unsigned char *)u->ref; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hook_update u;
	char err[256], *line;

	line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	err[0] = '\0';
	if (hookline_parse(&u, line, err, sizeof(err)) == 0)
		fuzz_check(&u, line, size);
	else if (strncmp(err, "malformed line: ", 16) != 0)
		abort();

	free(line);
	return 0;
}
