/*
 * build.h - build the images of one commit: checkout, one engine build per
 * [image] section, then (only when all built) the moving tags, then the
 * optional restart.
 */
#ifndef PUSHBUILD_BUILD_H
#define PUSHBUILD_BUILD_H

#include <stdbool.h>

#include <git2.h>

#include "conf.h"

/*
 * Every child of a build has BUILD_MARKER=<job name> in its environment,
 * so that the processes a dead builder left can be found and ended.
 */
#define BUILD_MARKER "PUSHBUILD_JOB"

enum build_status {
	BUILD_OK = 0,
	BUILD_TRANSIENT = -1,	/* retry may help */
	BUILD_PERMANENT = -2,	/* it cannot: dead at once */
};

struct build_request {
	const char	*commit;	/* full id */
	const char	*name;		/* job name, for the work directory */
	const struct strv *images;	/* section names; NULL or empty: all */
	bool		 restart;	/* honour [restart] enabled */
	int		 log_fd;	/* engine output, or -1 */
	bool		 echo;		/* stream output to stdout too */
	bool		 force;		/* build even if the images exist */
	bool		 no_build;	/* only retag; fail if images gone */
	bool		*already_built;	/* out: set when nothing was built
					   because the images existed */
};

/*
 * Build req->commit from repo as cf says.  Unless req->force, a commit
 * whose every selected image exists as REPO:<short> with its GIT_SHA label
 * is not built again: its tags still move and the restart still runs.
 * The tree is checked out into <workdir>/<name>, removed afterwards.
 * Returns BUILD_OK, or a failure (reported; log_last() holds the reason).
 */
enum build_status build_commit(const struct conf *cf, git_repository *repo,
    const struct build_request *req);

#endif
