/*
 * checkout-tree - test driver: check out one commit of a mirror.
 *
 * Usage: checkout-tree MIRROR COMMIT DIR [DOCKERFILE]
 * Calls repo_open() and checkout_commit() as the builder does, so that the
 * end-to-end tests can compare the result with "git archive".  Exits 0 on
 * success, 1 on a transient failure, 2 on a permanent one.
 */
#include "config.h"

#include <stdio.h>

#include "checkout.h"
#include "log.h"
#include "repo.h"

int
main(int argc, char *argv[])
{
	git_repository *repo = NULL;
	const char *dockerfile = "Dockerfile.worker";
	bool permanent = false;
	int ret = 1;

	log_init("checkout-tree", false);
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: checkout-tree MIRROR COMMIT DIR "
		    "[DOCKERFILE]\n");
		return 2;
	}
	if (argc == 5)
		dockerfile = argv[4];

	if (repo_global_init() < 0)
		return 1;
	if (repo_open(&repo, argv[1], false) < 0)
		goto out;
	if (checkout_commit(repo, argv[2], argv[3], dockerfile,
	    &permanent) < 0) {
		ret = permanent ? 2 : 1;
		goto out;
	}
	ret = 0;
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
}
