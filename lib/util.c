/*
 * util.c - allocation, word vectors, whole-buffer I/O and small formats.
 *
 * Allocation failure is the one error that exits from inside the library:
 * there is nothing sensible a caller could do instead.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Report exhaustion and exit; allocation cannot be recovered from here. */
static void
oom(void)
{
	fprintf(stderr, "%s: out of memory\n", log_prog());
	exit(EX_OSERR);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size == 0 ? 1 : size);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

/* vasprintf that cannot fail. */
static char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* Append an already owned string to the vector. */
static void
strv_push_owned(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->alloc) {
		sv->alloc = sv->alloc == 0 ? 8 : sv->alloc * 2;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void
strv_push(struct strv *sv, const char *s)
{
	strv_push_owned(sv, xstrdup(s));
}

void
strv_pushf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_push_owned(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void
strv_append(struct strv *sv, const struct strv *other)
{
	size_t i;

	for (i = 0; i < other->n; i++)
		strv_push(sv, other->v[i]);
}

void
strv_split(struct strv *sv, const char *s)
{
	size_t len;

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		strv_push_owned(sv, xstrndup(s, len));
		s += len;
	}
}

bool
strv_contains(const struct strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void
strv_clear(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

char **
strv_get(struct strv *sv)
{
	static char *empty[1] = { NULL };

	return sv->v == NULL ? empty : sv->v;
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t alloc = 4096, used = 0;
	char *buf = xmalloc(alloc);
	ssize_t n;

	for (;;) {
		if (used == alloc) {
			alloc *= 2;
			buf = xrealloc(buf, alloc);
		}
		n = read(fd, buf + used, alloc - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	buf = xrealloc(buf, used + 1);
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
fail:
	free(buf);
	return -1;
}

int
fsync_fd(int fd)
{
	while (fsync(fd) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	char *p, saved;
	int ret = -1;

	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			log_errno("create directory '%s'", copy);
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/* nftw callback: remove one entry, children first. */
static int
remove_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	int r = type == FTW_DP ? rmdir(path) : unlink(path);

	if (r < 0 && errno != ENOENT)
		return log_errno("remove '%s'", path);
	return 0;
}

int
remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : log_errno("stat '%s'", path);
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return -1;
	return 0;
}

bool
is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool
is_object_id(const char *s)
{
	size_t len = strlen(s);

	return (len == HEX_ID_SHA1 || len == HEX_ID_MAX) && is_hex(s, len);
}

bool
is_null_id(const char *s)
{
	return is_object_id(s) && strspn(s, "0") == strlen(s);
}

char *
format_utc(char buf[21], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* True when path is an executable regular file. */
static bool
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
path_find(const char *name, const char *search)
{
	const char *dir, *end;
	char *path;

	if (strchr(name, '/') != NULL)
		return is_executable_file(name) ? xstrdup(name) : NULL;
	for (dir = search; *name != '\0' && *dir != '\0'; dir = end) {
		end = dir + strcspn(dir, ":");
		path = xasprintf("%.*s/%s", (int)(end - dir), dir, name);
		if (is_executable_file(path))
			return path;
		free(path);
		if (*end == ':')
			end++;
	}
	return NULL;
}
