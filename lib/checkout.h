/*
 * checkout.h - the tree of a commit, written out with libgit2.
 *
 * The mirror is only read: no index, no lock file, nothing written into
 * it, so it may be read-only to the builder.
 */
#ifndef PUSHBUILD_CHECKOUT_H
#define PUSHBUILD_CHECKOUT_H

#include <stdbool.h>

#include <git2.h>

/*
 * Write the tree of commit into dir, which must not exist yet (it is
 * created 0700), with file modes and symlinks as git records them.  Before
 * writing, checks that dockerfile is a regular file in the tree.  Returns
 * 0, or -1 (reported) with *permanent set when no retry can help (no such
 * commit, no dockerfile or a symlink in its place).
 */
int checkout_commit(git_repository *repo, const char *commit_hex,
    const char *dir, const char *dockerfile, bool *permanent);

#endif
