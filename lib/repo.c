/*
 * repo.c - opening the mirror and naming commits in it, with libgit2.
 *
 * The mirror is opened exactly at the configured path: no search upwards
 * and no GIT_DIR, GIT_OBJECT_DIRECTORY or the like from the environment,
 * which a hook or a cron job may inherit from anywhere.  Nothing here
 * writes into the repository and nothing runs git.  libgit2 errors are
 * reported once, here, with the action and the object named.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "repo.h"
#include "util.h"

/* Room for an escaped user-given name in a message. */
#define REPO_NAME_MAX 512

int
repo_global_init(void)
{
	if (git_libgit2_init() < 0)
		return log_error("initialise libgit2: %s", repo_error());
	return 0;
}

const char *
repo_error(void)
{
	const git_error *e = git_error_last();

	if (e == NULL || e->message == NULL)
		return "unknown libgit2 error";
	return e->message;
}

/* The name of the user uid, or "?" when it has none. */
static const char *
repo_user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw != NULL && pw->pw_name != NULL ? pw->pw_name : "?";
}

/*
 * Report a mirror owned by another user: who owns it, who we are, and the
 * key that allows it.  libgit2 checks the git directory, and for a
 * non-bare repository also its work tree, so the owner is looked up on
 * path and, when path is ours, on path/.git.
 */
static int
repo_report_owner(const char *path)
{
	struct stat st;
	char *dotgit, *owner;
	uid_t me = geteuid();
	int r;

	r = stat(path, &st);
	if (r == 0 && st.st_uid == me) {
		dotgit = xasprintf("%s/.git", path);
		r = stat(dotgit, &st);
		free(dotgit);
	}
	if (r < 0)
		return log_error("open mirror '%s': not owned by the current "
		    "user; set trust_owner = yes in [repository] if that is "
		    "intended", path);
	/* getpwuid() reuses its buffer: keep the owner's name apart. */
	owner = xstrdup(repo_user_name(st.st_uid));
	log_error("open mirror '%s': owned by user '%s' (uid %lu), not by "
	    "'%s'; set trust_owner = yes in [repository] if that is intended",
	    path, owner, (unsigned long)st.st_uid, repo_user_name(me));
	free(owner);
	return -1;
}

/*
 * True when the repository at path opens once the owner check is off:
 * then the check is why it failed.  libgit2 1.5.1 does not always say
 * GIT_EOWNER: without any safe.directory key it returns the GIT_ENOTFOUND
 * of that config lookup ("config value 'safe.directory' was not found").
 */
static bool
repo_owner_refused(const char *path)
{
	git_repository *repo = NULL;
	int err;

	if (git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0) < 0)
		return false;
	err = git_repository_open_ext(&repo, path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	git_repository_free(repo);
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 1);
	return err == 0;
}

/* True when the config file at file sets extensions.objectformat sha256. */
static bool
repo_config_is_sha256(const char *file)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	bool ret = false;

	if (access(file, F_OK) < 0)
		return false;
	if (git_config_open_ondisk(&cfg, file) < 0)
		goto out;
	if (git_config_get_string_buf(&buf, cfg, "extensions.objectformat") < 0)
		goto out;
	ret = strcmp(buf.ptr, "sha256") == 0;
out:
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return ret;
}

/*
 * True when the repository at path (bare, or with a .git directory) uses
 * SHA-256 object ids, which libgit2 1.5 cannot read.  Asked only after an
 * open failed, to replace libgit2's "unsupported extension" by a reason.
 */
static bool
repo_is_sha256(const char *path)
{
	char *file;
	bool ret;

	file = xasprintf("%s/config", path);
	ret = repo_config_is_sha256(file);
	free(file);
	if (!ret) {
		file = xasprintf("%s/.git/config", path);
		ret = repo_config_is_sha256(file);
		free(file);
	}
	return ret;
}

int
repo_open(git_repository **out, const char *path, bool trust_owner)
{
	int err;

	*out = NULL;
	if (git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION,
	    trust_owner ? 0 : 1) < 0)
		return log_error("open mirror '%s': %s", path, repo_error());

	err = git_repository_open_ext(out, path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (err == 0)
		return 0;
	*out = NULL;
	if (err == GIT_EOWNER || (!trust_owner && repo_owner_refused(path)))
		return repo_report_owner(path);
	if (repo_is_sha256(path))
		return log_error("open mirror '%s': SHA-256 repositories are "
		    "not supported by libgit2 %d.%d", path, LIBGIT2_VER_MAJOR,
		    LIBGIT2_VER_MINOR);
	if (err == GIT_ENOTFOUND)
		return log_error("open mirror '%s': no git repository found "
		    "there", path);
	return log_error("open mirror '%s': %s", path, repo_error());
}

/*
 * Describe an object that does not peel to a commit, in reason: "a tree",
 * or "a tag of a blob" for an annotated tag that ends at a non-commit.
 */
static void
repo_describe_noncommit(git_object *obj, const char *hex, char *reason,
    size_t reasonsize)
{
	git_object *target = NULL;
	git_object_t type = git_object_type(obj);

	if (type == GIT_OBJECT_TAG &&
	    git_object_peel(&target, obj, GIT_OBJECT_ANY) == 0) {
		while (git_object_type(target) == GIT_OBJECT_TAG) {
			git_object *next = NULL;

			if (git_object_peel(&next, target, GIT_OBJECT_ANY) < 0)
				break;
			git_object_free(target);
			target = next;
		}
		snprintf(reason, reasonsize, "object %.12s is a tag of a %s, "
		    "not a commit", hex,
		    git_object_type2string(git_object_type(target)));
	} else {
		snprintf(reason, reasonsize, "object %.12s is a %s, not a "
		    "commit", hex, git_object_type2string(type));
	}
	git_object_free(target);
}

int
repo_peel_commit(git_oid *out, git_repository *repo, const char *hex,
    char *err, size_t errsize)
{
	git_object *obj = NULL, *commit = NULL;
	git_oid oid;
	char name[REPO_NAME_MAX];
	int r, ret = -1;

	if (strlen(hex) != GIT_OID_HEXSZ || !is_hex(hex, GIT_OID_HEXSZ)) {
		log_escape(name, sizeof(name), hex);
		return log_error("look up object '%s': not a full %d-digit "
		    "object id", name, GIT_OID_HEXSZ);
	}
	if (git_oid_fromstr(&oid, hex) < 0)
		return log_error("look up object '%s': %s", hex, repo_error());

	if (git_object_lookup(&obj, repo, &oid, GIT_OBJECT_ANY) < 0) {
		log_error("look up object '%s': %s", hex, repo_error());
		goto out;
	}
	r = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (r == GIT_EPEEL || r == GIT_EINVALIDSPEC) {
		repo_describe_noncommit(obj, hex, err, errsize);
		ret = 1;
		goto out;
	}
	if (r < 0) {
		log_error("peel object '%s': %s", hex, repo_error());
		goto out;
	}
	git_oid_cpy(out, git_object_id(commit));
	ret = 0;
out:
	git_object_free(commit);
	git_object_free(obj);
	return ret;
}

/*
 * Look up the reference name and peel it to a commit.  Returns 0 with
 * *out set, 1 when there is no such reference (nothing printed), -1 on
 * any other error (reported; rev is the name as the user gave it).
 */
static int
repo_peel_ref(git_oid *out, git_repository *repo, const char *name,
    const char *rev)
{
	git_reference *ref = NULL;
	git_object *commit = NULL;
	int r, ret = -1;

	r = git_reference_lookup(&ref, repo, name);
	if (r == GIT_ENOTFOUND)
		return 1;
	if (r < 0) {
		log_error("resolve '%s': %s", rev, repo_error());
		goto out;
	}
	r = git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT);
	if (r == GIT_EPEEL || r == GIT_EINVALIDSPEC) {
		log_error("resolve '%s': %s does not point to a commit", rev,
		    name);
		goto out;
	}
	if (r < 0) {
		log_error("resolve '%s': %s", rev, repo_error());
		goto out;
	}
	git_oid_cpy(out, git_object_id(commit));
	ret = 0;
out:
	git_object_free(commit);
	git_reference_free(ref);
	return ret;
}

/*
 * Resolve rev, shown as name, as an abbreviated commit id of at least
 * REPO_ABBREV_MIN hex digits.  0, or -1 (reported: unknown, ambiguous).
 */
static int
repo_resolve_abbrev(git_oid *out, git_repository *repo, const char *rev,
    const char *name)
{
	git_object *obj = NULL, *commit = NULL;
	size_t len = strlen(rev);
	git_oid prefix;
	int err, ret = -1;

	if (len < REPO_ABBREV_MIN || len >= HEX_ID_SHA1 || !is_hex(rev, len) ||
	    git_oid_fromstrn(&prefix, rev, len) < 0)
		return log_error("unknown revision '%s': not a branch, a tag "
		    "or a commit id", name);
	err = git_object_lookup_prefix(&obj, repo, &prefix, len,
	    GIT_OBJECT_ANY);
	if (err == GIT_EAMBIGUOUS)
		return log_error("ambiguous commit id '%s': give more digits",
		    name);
	if (err < 0)
		return log_error("unknown revision '%s': not a branch, a tag "
		    "or a commit id", name);
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		log_error("resolve '%s': not a commit", name);
		goto out;
	}
	git_oid_cpy(out, git_object_id(commit));
	ret = 0;
out:
	git_object_free(commit);
	git_object_free(obj);
	return ret;
}

/*
 * Resolve a short name: refs/heads/NAME or refs/tags/NAME.  When both
 * exist they must name the same commit, else the name is ambiguous.
 * Neither: an abbreviated commit id, maybe.
 */
static int
repo_resolve_short(git_oid *out, char **refname, git_repository *repo,
    const char *rev)
{
	char name[REPO_NAME_MAX];
	char *branch, *tag;
	git_oid boid, toid;
	int rb, rt, ret = -1;

	log_escape(name, sizeof(name), rev);
	branch = xasprintf("refs/heads/%s", rev);
	tag = xasprintf("refs/tags/%s", rev);
	rb = repo_peel_ref(&boid, repo, branch, name);
	if (rb < 0)
		goto out;
	rt = repo_peel_ref(&toid, repo, tag, name);
	if (rt < 0)
		goto out;

	if (rb == 0 && rt == 0 && !git_oid_equal(&boid, &toid)) {
		log_error("ambiguous name '%s': both branch and tag", name);
		goto out;
	}
	if (rb == 1 && rt == 1) {
		ret = repo_resolve_abbrev(out, repo, rev, name);
		goto out;
	}
	git_oid_cpy(out, rb == 0 ? &boid : &toid);
	*refname = rb == 0 ? branch : tag;
	if (rb == 0)
		branch = NULL;
	else
		tag = NULL;
	ret = 0;
out:
	free(branch);
	free(tag);
	return ret;
}

int
repo_resolve(git_oid *out, char **refname, git_repository *repo,
    const char *rev)
{
	char name[REPO_NAME_MAX];
	char why[256];
	int r;

	*refname = NULL;
	log_escape(name, sizeof(name), rev);
	if (*rev == '\0')
		return log_error("resolve '': empty revision");

	/* A full object id names the commit itself, never a ref. */
	if (is_object_id(rev)) {
		r = repo_peel_commit(out, repo, rev, why, sizeof(why));
		if (r == 1)
			return log_error("resolve '%s': %s", name, why);
		return r;
	}

	if (strncmp(rev, "refs/", 5) == 0) {
		r = repo_peel_ref(out, repo, rev, name);
		if (r == 1)
			return log_error("unknown revision '%s'", name);
		if (r < 0)
			return -1;
		*refname = xstrdup(rev);
		return 0;
	}
	return repo_resolve_short(out, refname, repo, rev);
}
