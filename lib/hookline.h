/*
 * hookline.h - one line of post-receive input: "<old> <new> <ref>".
 *
 * git writes one line per updated ref: two object ids of the same length
 * (40 hex digits for SHA-1, 64 for SHA-256), then the full ref name, fields
 * separated by one space.  Anything else is malformed.  Uppercase hex
 * digits are accepted and stored lowercase (git itself writes lowercase).
 */
#ifndef PUSHBUILD_HOOKLINE_H
#define PUSHBUILD_HOOKLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Longest hook line read; longer lines are malformed (and read to EOL). */
#define HOOKLINE_MAX 8192

struct hook_update {
	char		 old[HEX_ID_MAX + 1];
	char		 new[HEX_ID_MAX + 1];
	const char	*ref;		/* points into the parsed line */
};

/*
 * Parse line (NUL-terminated, its trailing "\n" or "\r\n" already removed
 * or not) into *u; u->ref points into line, which is modified.  Returns 0,
 * or -1 with a one-line reason in err ("malformed line: ...").  A line
 * longer than HOOKLINE_MAX bytes is malformed.  Prints nothing.
 */
int hookline_parse(struct hook_update *u, char *line, char *err,
    size_t errsize);

/* True when the update deletes the ref (the new id is all zeros). */
bool hookline_is_deletion(const struct hook_update *u);

#endif
