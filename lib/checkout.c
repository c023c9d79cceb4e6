/*
 * checkout.c - write the tree of one commit into a fresh directory.
 *
 * Invariants: the mirror is only read.  git_checkout_tree() is asked for
 * a target directory outside the repository, with an empty in-memory
 * baseline and neither index update nor index write, so no index, no
 * lock file and nothing else appears in the mirror, which may be
 * read-only (tests/e2e/checkout.sh checks both).  Filters are disabled:
 * the files are the blobs exactly as committed, whatever core.autocrlf or
 * .gitattributes say in the mirror, in the builder's ~/.gitconfig or in
 * the commit, so two builders of one commit build the same bytes.  For a
 * commit without eol attributes, export-ignore or export-subst this is
 * what "git archive" writes.  Modes are git's: 0644, 0755, symlinks.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkout.h"
#include "log.h"
#include "repo.h"
#include "util.h"

/* Room for an escaped dockerfile path in a message. */
#define CHECKOUT_NAME_MAX 512

/*
 * Check that path is a regular file (plain or executable) in tree.
 * Returns 0, or -1 (reported) with *permanent set when it is missing or
 * anything else, a symlink above all: its target could be outside the
 * tree, and the engine would read it.
 */
static int
checkout_check_dockerfile(git_tree *tree, const char *path,
    const char *hex, bool *permanent)
{
	git_tree_entry *entry = NULL;
	git_filemode_t mode;
	char name[CHECKOUT_NAME_MAX];
	int r;

	log_escape(name, sizeof(name), path);
	r = git_tree_entry_bypath(&entry, tree, path);
	if (r == GIT_ENOTFOUND) {
		*permanent = true;
		return log_error("no %s at commit %.12s", name, hex);
	}
	if (r < 0)
		return log_error("look up '%s' at commit %.12s: %s", name, hex,
		    repo_error());

	mode = git_tree_entry_filemode(entry);
	git_tree_entry_free(entry);
	if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	*permanent = true;
	return log_error("%s at commit %.12s is a %s, refused", name, hex,
	    mode == GIT_FILEMODE_LINK ? "symlink" :
	    mode == GIT_FILEMODE_TREE ? "directory" : "submodule");
}

/*
 * True when the loose object hex is in the mirror but this user may not
 * read it (libgit2 then says "not found"): a mirror written under a
 * private umask and not shared with the builder's group.  That is for an
 * operator to fix, not a reason to give the job up.
 */
static bool
checkout_is_unreadable(git_repository *repo, const char *hex)
{
	char *dir, *file;
	bool ret;

	dir = xasprintf("%sobjects/%.2s", git_repository_path(repo), hex);
	file = xasprintf("%s/%s", dir, hex + 2);
	ret = (access(dir, F_OK) == 0 && access(dir, R_OK | X_OK) < 0) ||
	    (access(file, F_OK) == 0 && access(file, R_OK) < 0);
	free(dir);
	free(file);
	return ret;
}

/*
 * Look up the commit named by hex and its tree.  A missing commit, or a
 * malformed id, is permanent; a read error is not.
 */
static int
checkout_lookup_tree(git_tree **tree, git_repository *repo, const char *hex,
    bool *permanent)
{
	git_commit *commit = NULL;
	git_oid oid;
	char name[CHECKOUT_NAME_MAX];
	int r;

	if (strlen(hex) != GIT_OID_HEXSZ || !is_hex(hex, GIT_OID_HEXSZ) ||
	    git_oid_fromstr(&oid, hex) < 0) {
		*permanent = true;
		log_escape(name, sizeof(name), hex);
		return log_error("check out '%s': not a full commit id", name);
	}
	r = git_commit_lookup(&commit, repo, &oid);
	if (r == GIT_ENOTFOUND && checkout_is_unreadable(repo, hex))
		return log_error("commit %s in mirror '%s' cannot be read: %s "
		    "(is the mirror shared with the builder's group?)", hex,
		    git_repository_path(repo), strerror(EACCES));
	if (r == GIT_ENOTFOUND) {
		*permanent = true;
		return log_error("commit %s not found in mirror", hex);
	}
	if (r < 0)
		return log_error("look up commit %s: %s", hex, repo_error());
	r = git_commit_tree(tree, commit);
	git_commit_free(commit);
	if (r < 0)
		return log_error("read tree of commit %s: %s", hex,
		    repo_error());
	return 0;
}

/*
 * True when a failed checkout will fail the same way every time: the tree
 * itself cannot be written (a path git refuses, such as .git/config, or
 * two entries that want the same place), as opposed to a full disk or a
 * passing I/O error.  errnum is errno right after the failure.
 */
static bool
checkout_is_permanent(int errnum)
{
	const git_error *e = git_error_last();

	if (e != NULL && e->klass == GIT_ERROR_CHECKOUT)
		return true;
	return errnum == EEXIST || errnum == ENOTDIR || errnum == EISDIR ||
	    errnum == ENAMETOOLONG;
}

/*
 * Write tree into the existing, empty directory dir.  The umask is set to
 * 022 for the duration, so that the files get git's modes (0644, 0755)
 * whatever umask the builder inherited from cron: an image built from
 * 0600 files would not be readable by a worker that is not root.
 */
static int
checkout_write(git_repository *repo, git_tree *tree, const char *dir,
    bool *permanent)
{
	git_checkout_options opts;
	git_index *empty = NULL;
	char *abs = NULL;
	mode_t old;
	int r, ret = -1, saved;

	/*
	 * libgit2 1.5.1 creates the sub-directories of a relative target
	 * below the target a second time ("out/out/s"), then fails to open
	 * "out/s/x": give it an absolute path.
	 */
	if ((abs = realpath(dir, NULL)) == NULL) {
		log_errno("resolve '%s'", dir);
		goto out;
	}
	/* The baseline is empty, so HEAD of the mirror is never asked. */
	if (git_checkout_options_init(&opts,
	    GIT_CHECKOUT_OPTIONS_VERSION) < 0 || git_index_new(&empty) < 0) {
		log_error("check out into '%s': %s", dir, repo_error());
		goto out;
	}
	opts.checkout_strategy = GIT_CHECKOUT_FORCE |
	    GIT_CHECKOUT_DONT_UPDATE_INDEX | GIT_CHECKOUT_DONT_WRITE_INDEX;
	opts.disable_filters = 1;
	opts.baseline_index = empty;
	opts.target_directory = abs;

	old = umask(022);
	r = git_checkout_tree(repo, (const git_object *)tree, &opts);
	saved = errno;
	umask(old);
	if (r < 0) {
		*permanent = checkout_is_permanent(saved);
		log_error("check out into '%s': %s", dir, repo_error());
		goto out;
	}
	ret = 0;
out:
	git_index_free(empty);
	free(abs);
	return ret;
}

int
checkout_commit(git_repository *repo, const char *commit_hex,
    const char *dir, const char *dockerfile, bool *permanent)
{
	git_tree *tree = NULL;
	int ret = -1;

	*permanent = false;
	if (checkout_lookup_tree(&tree, repo, commit_hex, permanent) < 0)
		goto out;
	if (checkout_check_dockerfile(tree, dockerfile, commit_hex,
	    permanent) < 0)
		goto out;

	if (mkdir(dir, 0700) < 0) {
		log_errno("create directory '%s'", dir);
		goto out;
	}
	if (checkout_write(repo, tree, dir, permanent) < 0) {
		/* Half a tree must not be built from by a later try. */
		remove_tree(dir);
		goto out;
	}
	ret = 0;
out:
	git_tree_free(tree);
	return ret;
}
