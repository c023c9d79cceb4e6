/*
 * floor - the least a post-receive hook can do to queue a push durably.
 *
 * Usage: floor SPOOL < "<old> <new> <ref>" lines
 * Reads stdin to EOF, keeps the last line for refs/heads/main, and writes
 * it as one file: create SPOOL/tmp/NAME, write, fsync, rename into
 * SPOOL/new/NAME, fsync SPOOL/new.  No config, no repository, no
 * resolving, no checks beyond the system calls: the benchmark's floor,
 * against which pushbuild-hook's cost per push is measured.  Not a tool.
 *
 * Built a second time with FLOOR_LIBGIT2 defined (bench/floor-git2), it
 * also links libgit2 and runs git_libgit2_init() and
 * git_libgit2_shutdown() around the same work: what loading and starting
 * the library costs any program that uses it, before it does anything.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef FLOOR_LIBGIT2
#include <git2.h>
#endif

/* The one ref the benchmark's configuration builds. */
#define FLOOR_REF " refs/heads/main"

/* Read stdin to EOF; the last wanted line goes to want.  Its length. */
static size_t
floor_read(char *want, size_t size)
{
	char line[4096];
	size_t len = 0, n, reflen = strlen(FLOOR_REF);

	while (fgets(line, sizeof(line), stdin) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (n >= reflen && n < size &&
		    strcmp(line + n - reflen, FLOOR_REF) == 0) {
			memcpy(want, line, n);
			want[n] = '\n';
			len = n + 1;
		}
	}
	return len;
}

/* write, fsync, rename, fsync: the durable publish of one file. */
static int
floor_publish(const char *spool, const char *text, size_t len)
{
	struct timespec ts;
	char tmp[4096], new[4096], dir[4096];
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%lld.%09ld.%d", spool,
	    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
	snprintf(new, sizeof(new), "%s/new/%s", spool, strrchr(tmp, '/') + 1);
	snprintf(dir, sizeof(dir), "%s/new", spool);

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0660);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, new) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) < 0 || close(fd) < 0)
		return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	char want[4096];
	size_t len;
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: floor SPOOL\n");
		return 64;
	}
#ifdef FLOOR_LIBGIT2
	git_libgit2_init();
#endif
	len = floor_read(want, sizeof(want));
	if (len > 0 && floor_publish(argv[1], want, len) < 0) {
		perror("floor");
		status = 73;
	}
#ifdef FLOOR_LIBGIT2
	git_libgit2_shutdown();
#endif
	return status;
}
