/*
 * fuzz_conf.c - libFuzzer target for conf_load().
 *
 * conf_load() reads a file by path and refuses anything but a regular
 * file, so the input is written to a memfd (a regular file in memory)
 * and loaded through /proc/self/fd/N: the very code path of a file on
 * disk, with no temporary file to clean up.  A file is either accepted,
 * and then holds what every caller relies on (absolute paths, at least
 * one image, backoff_max >= backoff), or refused with the struct left
 * zeroed.  Error messages go to stderr: run with -close_fd_mask=2.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The memfd that holds the current input, and its /proc path. */
static int fuzz_fd = -1;
static char fuzz_path[64];

/* Abort unless the loaded *cf keeps the promises of conf.h. */
static void
fuzz_check(const struct conf *cf)
{
	if (cf->repo_path == NULL || *cf->repo_path != '/' ||
	    cf->spool_dir == NULL || *cf->spool_dir != '/' ||
	    cf->workdir == NULL || *cf->workdir != '/')
		abort();
	if (cf->nimages == 0 || cf->images == NULL)
		abort();
	if (cf->backoff_max < cf->backoff || cf->timeout == 0 ||
	    cf->max_attempts == 0)
		abort();
	if (strcmp(cf->path, fuzz_path) != 0)
		abort();
}

/* Abort unless *cf is all zero bytes, as a refused load leaves it. */
static void
fuzz_check_empty(const struct conf *cf)
{
	static const struct conf zero;

	if (memcmp(cf, &zero, sizeof(zero)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf cf;

	if (fuzz_fd == -1) {
		fuzz_fd = memfd_create("fuzz_conf", MFD_CLOEXEC);
		if (fuzz_fd == -1)
			abort();
		snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d",
		    fuzz_fd);
	}
	if (ftruncate(fuzz_fd, 0) == -1 ||
	    pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		abort();

	if (conf_load(&cf, fuzz_path) == 0) {
		fuzz_check(&cf);
		conf_release(&cf);
	} else {
		fuzz_check_empty(&cf);
	}
	return 0;
}
