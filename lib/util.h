/*
 * util.h - small helpers shared by every part: memory that cannot fail,
 * word vectors, whole-buffer I/O that retries on EINTR, directory fsync,
 * and the hex and time formats of the spool.
 */
#ifndef PUSHBUILD_UTIL_H
#define PUSHBUILD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* sysexits.h codes used across pushbuild, plus the guard's refusal. */
#define EXIT_GUARD 1

/* Longest object id in hex (SHA-256), and the SHA-1 length. */
#define HEX_ID_MAX 64
#define HEX_ID_SHA1 40

/* Length of the short commit id used in image tags. */
#define SHORT_ID_LEN 7

/* Allocation that cannot fail: on exhaustion print and exit(EX_OSERR). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A NULL-terminated vector of owned strings: v[n] == NULL always, so v can
 * be handed to posix_spawn as argv or envp.  STRV_INIT is the empty vector.
 */
struct strv {
	char	**v;
	size_t	  n;
	size_t	  alloc;
};
#define STRV_INIT { NULL, 0, 0 }

/* Append a copy of s. */
void strv_push(struct strv *sv, const char *s);

/* Append a formatted string. */
void strv_pushf(struct strv *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append every entry of other, copied. */
void strv_append(struct strv *sv, const struct strv *other);

/* Append the words of s, split on blanks (space and tab); no quoting. */
void strv_split(struct strv *sv, const char *s);

/* True when s is one of the entries. */
bool strv_contains(const struct strv *sv, const char *s);

/* Free every entry and reset to STRV_INIT. */
void strv_clear(struct strv *sv);

/* The vector, never NULL (an empty vector gives a pointer to NULL). */
char **strv_get(struct strv *sv);

/* Write all of buf to fd, retrying on EINTR and short writes. 0 or -1. */
int write_all(int fd, const void *buf, size_t len);

/*
 * Read up to max bytes of fd into a new NUL-terminated buffer (*out, owned
 * by the caller), retrying on EINTR.  Returns 0, or -1 with errno set
 * (EFBIG when the file holds more than max bytes).
 */
int read_all(int fd, size_t max, char **out, size_t *len);

/* fsync the directory dirfd; 0 or -1 with errno set. */
int fsync_fd(int fd);

/* mkdir every missing component of path with mode; 0 or -1 (reported). */
int mkdir_p(const char *path, mode_t mode);

/*
 * Remove the tree at path without following symlinks.  A missing path is
 * not an error.  0 or -1 (reported).
 */
int remove_tree(const char *path);

/* True when s is exactly len lowercase or uppercase hex digits. */
bool is_hex(const char *s, size_t len);

/* True when s is a full object id: 40 or 64 hex digits. */
bool is_object_id(const char *s);

/* True when s is an all-zero object id (a deletion in a hook line). */
bool is_null_id(const char *s);

/*
 * The full path of the program name on search, a colon-separated list of
 * directories; name itself when it holds a '/'.  Only an executable
 * regular file counts.  A new string, or NULL (nothing reported).
 */
char *path_find(const char *name, const char *search);

/* Format t as UTC ISO 8601, "2026-12-03T15:44:29Z", into buf[21]. */
char *format_utc(char buf[21], time_t t);

#endif
