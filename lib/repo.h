/*
 * repo.h - everything pushbuild asks of git, through libgit2.
 *
 * The mirror is opened at an explicit path, never found from GIT_DIR or
 * the like in the environment, so an inherited environment cannot
 * redirect what is read.
 */
#ifndef PUSHBUILD_REPO_H
#define PUSHBUILD_REPO_H

#include <stdbool.h>

#include <git2.h>

/* Call once per process before any other repo_ function. */
int repo_global_init(void);

/*
 * Open the bare (or non-bare) repository at path, exactly there.  With
 * trust_owner, a repository owned by another user is accepted; without,
 * the error names the owner and the config key that allows it.  A SHA-256
 * repository is refused with a message that says so.  0 or -1 (reported).
 */
int repo_open(git_repository **out, const char *path, bool trust_owner);

/*
 * Peel the object named by hex (a full id) to a commit, through annotated
 * tags (and tags of tags).  Returns 0 with *out set; 1 when the object
 * exists but is not a commit (reason in err, not printed); -1 when it is
 * missing or unreadable (reported).
 */
int repo_peel_commit(git_oid *out, git_repository *repo, const char *hex,
    char *err, size_t errsize);

/* Shortest abbreviated commit id that repo_resolve() accepts. */
#define REPO_ABBREV_MIN 7

/*
 * Resolve rev, as given to "pushbuild enqueue" or "build": a full commit id,
 * a full ref name (refs/...), a branch or tag name, or else an abbreviated
 * commit id of at least REPO_ABBREV_MIN digits.  A name that is
 * both a branch and a tag of different commits is ambiguous: an error that
 * says so.  On success *out is the commit and *refname (owned by the
 * caller) the full ref name, or NULL for a bare commit id.  0 or -1
 * (reported).
 */
int repo_resolve(git_oid *out, char **refname, git_repository *repo,
    const char *rev);

/* The message of libgit2's last error, never NULL. */
const char *repo_error(void);

#endif
