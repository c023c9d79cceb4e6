/*
 * test_hookline.c - the post-receive line parser: the shapes git writes are
 * accepted, everything else is refused with a reason.
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

#include "hookline.h"

#define SHA1_A	"0123456789abcdef0123456789abcdef01234567"
#define SHA1_B	"89abcdef0123456789abcdef0123456789abcdef"
#define SHA1_0	"0000000000000000000000000000000000000000"
#define SHA256_A \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA256_B \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static const char long_prefix[] = SHA1_A " " SHA1_B " refs/heads/";

/* Parse a copy of text; returns the result, the reason in err. */
static int
parse(struct hook_update *u, char *buf, size_t bufsize, const char *text,
    char err[256])
{
	snprintf(buf, bufsize, "%s", text);
	err[0] = '\0';
	return hookline_parse(u, buf, err, 256);
}

/* Assert that text is refused with exactly reason. */
static void
assert_malformed(const char *text, const char *reason)
{
	struct hook_update u;
	char buf[512], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf), text, err);

	assert_int_equal(r, -1);
	assert_string_equal(err, reason);
}

static void
test_hookline_parse_sha1(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_A " " SHA1_B " refs/heads/main\n", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.old, SHA1_A);
	assert_string_equal(u.new, SHA1_B);
	assert_string_equal(u.ref, "refs/heads/main");
	assert_false(hookline_is_deletion(&u));
}

static void
test_hookline_parse_sha256(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA256_A " " SHA256_B " refs/tags/v1.0\n", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.old, SHA256_A);
	assert_string_equal(u.new, SHA256_B);
	assert_string_equal(u.ref, "refs/tags/v1.0");
}

static void
test_hookline_parse_deletion(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_A " " SHA1_0 " refs/heads/gone\n", err);

	assert_int_equal(r, 0);
	assert_true(hookline_is_deletion(&u));
}

static void
test_hookline_parse_creation_is_not_deletion(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_0 " " SHA1_A " refs/heads/new\n", err);

	assert_int_equal(r, 0);
	assert_false(hookline_is_deletion(&u));
}

static void
test_hookline_parse_crlf(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_A " " SHA1_B " refs/heads/main\r\n", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.ref, "refs/heads/main");
}

static void
test_hookline_parse_no_final_newline(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_A " " SHA1_B " refs/heads/main", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.ref, "refs/heads/main");
}

static void
test_hookline_parse_uppercase_lowered(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    "0123456789ABCDEF0123456789ABCDEF01234567 "
	    "89ABCDEF0123456789abcdef0123456789ABCDEF refs/heads/main\n", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.old, SHA1_A);
	assert_string_equal(u.new, SHA1_B);
}

static void
test_hookline_parse_shell_characters_kept(void **state)
{
	struct hook_update u;
	char buf[256], err[256];
	int r;

	r = parse(&u, buf, sizeof(buf),
	    SHA1_A " " SHA1_B " refs/heads/$(x);`y`|z\n", err);

	assert_int_equal(r, 0);
	assert_string_equal(u.ref, "refs/heads/$(x);`y`|z");
}

static void
test_hookline_parse_short_id(void **state)
{
	assert_malformed("0123456 " SHA1_B " refs/heads/main\n",
	    "malformed line: old id is not 40 or 64 hex digits");
}

static void
test_hookline_parse_long_new_id(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B "0 refs/heads/main\n",
	    "malformed line: new id is not 40 or 64 hex digits");
}

static void
test_hookline_parse_non_hex(void **state)
{
	assert_malformed(SHA1_A " 89abcdef0123456789abcdef0123456789abcdeg"
	    " refs/heads/main\n",
	    "malformed line: new id is not 40 or 64 hex digits");
}

static void
test_hookline_parse_mixed_lengths(void **state)
{
	assert_malformed(SHA1_A " " SHA256_B " refs/heads/main\n",
	    "malformed line: old and new ids differ in length");
}

static void
test_hookline_parse_missing_ref(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B "\n",
	    "malformed line: expected '<old> <new> <ref>'");
}

static void
test_hookline_parse_one_field(void **state)
{
	assert_malformed(SHA1_A "\n",
	    "malformed line: expected '<old> <new> <ref>'");
}

static void
test_hookline_parse_empty_line(void **state)
{
	assert_malformed("\n", "malformed line: expected '<old> <new> <ref>'");
}

static void
test_hookline_parse_two_spaces(void **state)
{
	assert_malformed(SHA1_A "  " SHA1_B " refs/heads/main\n",
	    "malformed line: new id is not 40 or 64 hex digits");
}

static void
test_hookline_parse_space_in_ref(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B " refs/heads/a b\n",
	    "malformed line: ref contains a space");
}

static void
test_hookline_parse_tab_separator(void **state)
{
	assert_malformed(SHA1_A "\t" SHA1_B " refs/heads/main\n",
	    "malformed line: expected '<old> <new> <ref>'");
}

static void
test_hookline_parse_empty_ref(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B " \n", "malformed line: empty ref");
}

static void
test_hookline_parse_ref_control_char(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B " refs/heads/a\033[2Jb\n",
	    "malformed line: ref contains a control character");
}

static void
test_hookline_parse_ref_tab(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B " refs/heads/a\tb\n",
	    "malformed line: ref contains a control character");
}

static void
test_hookline_parse_ref_not_under_refs(void **state)
{
	assert_malformed(SHA1_A " " SHA1_B " HEAD\n",
	    "malformed line: ref does not start with 'refs/'");
}

static void
test_hookline_parse_too_long(void **state)
{
	struct hook_update u;
	char *line, err[256];
	size_t n = HOOKLINE_MAX + 2;
	int r;

	line = malloc(n);
	assert_non_null(line);
	memset(line, 'a', n - 1);
	memcpy(line, long_prefix, strlen(long_prefix));
	line[n - 1] = '\0';

	r = hookline_parse(&u, line, err, sizeof(err));

	assert_int_equal(r, -1);
	assert_string_equal(err, "malformed line: longer than 8192 bytes");
	free(line);
}

static void
test_hookline_parse_longest_line(void **state)
{
	struct hook_update u;
	char *line, err[256];
	size_t n = HOOKLINE_MAX + 1;
	int r;

	line = malloc(n);
	assert_non_null(line);
	memset(line, 'a', n - 1);
	memcpy(line, long_prefix, strlen(long_prefix));
	line[n - 1] = '\0';

	r = hookline_parse(&u, line, err, sizeof(err));

	assert_int_equal(r, 0);
	assert_int_equal(strlen(u.ref), HOOKLINE_MAX - 82);
	free(line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hookline_parse_sha1),
		cmocka_unit_test(test_hookline_parse_sha256),
		cmocka_unit_test(test_hookline_parse_deletion),
		cmocka_unit_test(test_hookline_parse_creation_is_not_deletion),
		cmocka_unit_test(test_hookline_parse_crlf),
		cmocka_unit_test(test_hookline_parse_no_final_newline),
		cmocka_unit_test(test_hookline_parse_uppercase_lowered),
		cmocka_unit_test(test_hookline_parse_shell_characters_kept),
		cmocka_unit_test(test_hookline_parse_short_id),
		cmocka_unit_test(test_hookline_parse_long_new_id),
		cmocka_unit_test(test_hookline_parse_non_hex),
		cmocka_unit_test(test_hookline_parse_mixed_lengths),
		cmocka_unit_test(test_hookline_parse_missing_ref),
		cmocka_unit_test(test_hookline_parse_one_field),
		cmocka_unit_test(test_hookline_parse_empty_line),
		cmocka_unit_test(test_hookline_parse_two_spaces),
		cmocka_unit_test(test_hookline_parse_space_in_ref),
		cmocka_unit_test(test_hookline_parse_tab_separator),
		cmocka_unit_test(test_hookline_parse_empty_ref),
		cmocka_unit_test(test_hookline_parse_ref_control_char),
		cmocka_unit_test(test_hookline_parse_ref_tab),
		cmocka_unit_test(test_hookline_parse_ref_not_under_refs),
		cmocka_unit_test(test_hookline_parse_too_long),
		cmocka_unit_test(test_hookline_parse_longest_line),
	};

	return cmocka_run_group_tests_name("hookline", tests, NULL, NULL);
}
