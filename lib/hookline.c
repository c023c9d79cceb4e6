/*
 * hookline.c - parse one "<old> <new> <ref>" line of post-receive input.
 *
 * The line comes from git, but the hook treats it as untrusted data: the
 * parser accepts exactly the shape git writes and nothing else.  Fields are
 * separated by exactly one space; both ids have the same length, 40 (SHA-1)
 * or 64 (SHA-256) hex digits.  Uppercase hex digits are accepted and stored
 * lowercase, so that a job file always names a commit the same way.  The ref
 * is kept byte for byte; it is never handed to a shell.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hookline.h"

/* Format a reason into err (when there is room) and return -1. */
static int
hookline_fail(char *err, size_t errsize, const char *reason)
{
	if (errsize > 0)
		snprintf(err, errsize, "malformed line: %s", reason);
	return -1;
}

/*
 * Copy the object id of len bytes at s into dst, lowercased.  Returns false
 * when it is not 40 or 64 hex digits.
 */
static bool
hookline_copy_id(char dst[HEX_ID_MAX + 1], const char *s, size_t len)
{
	size_t i;

	if ((len != HEX_ID_SHA1 && len != HEX_ID_MAX) || !is_hex(s, len))
		return false;
	for (i = 0; i < len; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i];
	dst[len] = '\0';
	return true;
}

/* The reason why ref is not a name git would send, or NULL when it is. */
static const char *
hookline_bad_ref(const char *ref)
{
	const unsigned char *p;

	if (*ref == '\0')
		return "empty ref";
	for (p = (const unsigned char *)ref; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "ref contains a control character";
		if (*p == ' ')
			return "ref contains a space";
	}
	if (strncmp(ref, "refs/", 5) != 0)
		return "ref does not start with 'refs/'";
	return NULL;
}

int
hookline_parse(struct hook_update *u, char *line, char *err, size_t errsize)
{
	size_t len, oldlen, newlen;
	char *newid, *ref;
	const char *why;

	memset(u, 0, sizeof(*u));
	len = strlen(line);
	if (len > HOOKLINE_MAX) {
		if (errsize > 0)
			snprintf(err, errsize, "malformed line: "
			    "longer than %d bytes", HOOKLINE_MAX);
		return -1;
	}
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';

	/* Split at the first two spaces; further spaces belong to the ref. */
	oldlen = strcspn(line, " ");
	if (line[oldlen] == '\0')
		return hookline_fail(err, errsize,
		    "expected '<old> <new> <ref>'");
	newid = line + oldlen + 1;
	newlen = strcspn(newid, " ");
	if (newid[newlen] == '\0')
		return hookline_fail(err, errsize,
		    "expected '<old> <new> <ref>'");
	ref = newid + newlen + 1;

	if (!hookline_copy_id(u->old, line, oldlen))
		return hookline_fail(err, errsize,
		    "old id is not 40 or 64 hex digits");
	if (!hookline_copy_id(u->new, newid, newlen))
		return hookline_fail(err, errsize,
		    "new id is not 40 or 64 hex digits");
	if (oldlen != newlen)
		return hookline_fail(err, errsize,
		    "old and new ids differ in length");
	if ((why = hookline_bad_ref(ref)) != NULL)
		return hookline_fail(err, errsize, why);
	u->ref = ref;
	return 0;
}

bool
hookline_is_deletion(const struct hook_update *u)
{
	return is_null_id(u->new);
}
