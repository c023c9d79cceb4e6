/*
 * check.c - pushbuild check: look at every piece the builder and the hook
 * need, and say for each, on one line, "ok: ..." or "problem: ...; fix:
 * ...".
 *
 * Checks only look: nothing is created or changed (the engine is asked
 * its architecture, which runs it).  Every check runs even after a
 * problem, so one run lists all of them.  The library's own error
 * messages are silenced while checking and reused as the problem text,
 * so that each problem is said once.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "engine.h"
#include "log.h"
#include "repo.h"
#include "spool.h"

/* What one pushbuild check has found so far. */
struct check {
	const struct conf *cf;
	unsigned	 problems;
};

/* Print "ok: ...". */
static void __attribute__((format(printf, 2, 3)))
check_ok(struct check *c, const char *fmt, ...)
{
	va_list ap;

	fputs("ok: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print "problem: ...; fix: FIX" and count it. */
static void __attribute__((format(printf, 3, 4)))
check_problem(struct check *c, const char *fix, const char *fmt, ...)
{
	va_list ap;

	c->problems++;
	fputs("problem: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("; fix: %s\n", fix);
}

int
cmd_check_unloaded(const char *path)
{
	printf("problem: config '%s' does not load (the message above says "
	    "why); fix: correct it, see pushbuild.ini(5)\n", path);
	return EX_CONFIG;
}

/* The host's machine against [builder] arch. */
static void
check_arch(struct check *c)
{
	struct utsname u;

	if (uname(&u) < 0)
		check_problem(c, "none", "uname: %s", strerror(errno));
	else if (strcmp(u.machine, c->cf->arch) != 0)
		check_problem(c, "build on a host of that architecture, or "
		    "change [builder] arch", "this host is %s, [builder] arch "
		    "is %s: drain and build refuse to run here", u.machine,
		    c->cf->arch);
	else
		check_ok(c, "this host is %s, as [builder] arch wants",
		    u.machine);
}

/* The engine: found, answering, and running images of the right arch. */
static void
check_engine(struct check *c)
{
	struct engine e;
	const char *want = engine_arch_name(c->cf->arch);
	char arch[64];

	if (engine_init(&e, c->cf) < 0) {
		check_problem(c, "install it, or set [builder] engine", "%s",
		    log_last());
		return;
	}
	if (engine_host_arch(&e, arch, sizeof(arch)) < 0)
		check_problem(c, "start the engine (or its daemon), and run "
		    "pushbuild as a user allowed to use it", "engine '%s' "
		    "does not answer: %s", e.path, log_last());
	else if (strcmp(arch, want) != 0)
		check_problem(c, "use an engine that runs natively on this "
		    "host", "engine '%s' runs %s images, [builder] arch "
		    "needs %s: it would build under emulation", e.path, arch,
		    want);
	else
		check_ok(c, "engine '%s' answers and runs %s images", e.path,
		    arch);
	engine_release(&e);
}

/* The compose command, when restarts are on. */
static void
check_compose(struct check *c)
{
	char *path;

	if (!c->cf->restart) {
		check_ok(c, "[restart] is off: compose is not needed");
		return;
	}
	if (c->cf->compose.n == 0 ||
	    (path = path_find(c->cf->compose.v[0], ENGINE_PATH)) == NULL) {
		check_problem(c, "install it, or set [restart] compose",
		    "compose command '%s' not found on %s",
		    c->cf->compose.n > 0 ? c->cf->compose.v[0] : "",
		    ENGINE_PATH);
		return;
	}
	check_ok(c, "compose command '%s' found", path);
	free(path);
}

/* The mirror, opened as the builder opens it. */
static void
check_mirror(struct check *c)
{
	git_repository *repo = NULL;

	if (repo_open(&repo, c->cf->repo_path, c->cf->trust_owner) < 0)
		check_problem(c, "set [repository] path to the bare mirror; "
		    "for a mirror of another user, see trust_owner in "
		    "pushbuild.ini(5)", "%s", log_last());
	else
		check_ok(c, "mirror '%s' opens", c->cf->repo_path);
	git_repository_free(repo);
}

/* True when the paths a and b name the same existing file. */
static bool
check_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* core.hooksPath, when set, must still be the mirror's hooks/. */
static void
check_hooks_path(struct check *c, git_config *snap, const char *gitdir,
    const char *hooks)
{
	const char *value;
	char *path, *fix;

	if (git_config_get_string(&value, snap, "core.hooksPath") < 0)
		return;
	path = *value == '/' ? xstrdup(value) :
	    xasprintf("%s%s", gitdir, value);
	if (!check_same_file(path, hooks)) {
		fix = xasprintf("git -C %s config --unset core.hooksPath",
		    gitdir);
		check_problem(c, fix, "core.hooksPath of the mirror is '%s': "
		    "git runs its hooks from there, not from '%s'", value,
		    hooks);
		free(fix);
	}
	free(path);
}

/* hooks/post-receive: there, executable, and pushbuild-hook. */
static void
check_hook_file(struct check *c, const char *hook, const char *mirror)
{
	struct stat st;
	char why[PATH_MAX + 128], *program, *fix;
	int r;

	fix = xasprintf("pushbuild install-hook %s", mirror);
	if (lstat(hook, &st) < 0 || stat(hook, &st) < 0) {
		check_problem(c, fix, "hook '%s': %s", hook, strerror(errno));
	} else if ((st.st_mode & 0111) == 0) {
		check_problem(c, fix, "hook '%s' is not executable: git "
		    "skips it", hook);
	} else if ((program = install_hook_program()) == NULL) {
		check_problem(c, "set PUSHBUILD_HOOK to the pushbuild-hook "
		    "program", "%s", log_last());
	} else {
		r = install_hook_is_ours(hook, program, why, sizeof(why));
		if (r == 1)
			check_ok(c, "hook '%s' runs pushbuild-hook", hook);
		else
			check_problem(c, "move it away, or run 'pushbuild "
			    "install-hook --force'", "hook '%s' is %s", hook,
			    why);
		free(program);
	}
	free(fix);
}

/*
 * The mirror's pushbuild.config names this config (or is unset and this
 * is the system file), and push options are advertised.
 */
static void
check_hook_config(struct check *c, git_config *snap, const char *gitdir)
{
	const char *path = c->cf->path, *value = NULL;
	char *fix;
	int on = 0;

	fix = xasprintf("pushbuild -c %s install-hook %s", path, gitdir);
	if (git_config_get_string(&value, snap, "pushbuild.config") < 0 &&
	    !check_same_file(path, CONF_DEFAULT_PATH))
		check_problem(c, fix, "pushbuild.config of the mirror is not "
		    "set: the hook reads '%s', not '%s'", CONF_DEFAULT_PATH,
		    path);
	else if (value != NULL && !check_same_file(value, path))
		check_problem(c, fix, "pushbuild.config of the mirror is "
		    "'%s': the hook does not read '%s'", value, path);
	else
		check_ok(c, "the hook reads this config");
	if (git_config_get_bool(&on, snap, "receive.advertisePushOptions") <
	    0 || !on)
		check_problem(c, fix, "receive.advertisePushOptions of the "
		    "mirror is not true: git push -o pushbuild.skip is "
		    "refused");
	else
		check_ok(c, "the mirror takes push options");
	free(fix);
}

/* Everything about the hook, in the mirror opened whoever owns it. */
static void
check_hook(struct check *c)
{
	git_repository *repo = NULL;
	git_config *snap = NULL;
	const char *gitdir;
	char *hooks = NULL, *hook = NULL;

	if (repo_open(&repo, c->cf->repo_path, true) < 0 ||
	    git_repository_config_snapshot(&snap, repo) < 0) {
		check_problem(c, "see the mirror's problem", "hook and git "
		    "config of mirror '%s' not checked: it does not open",
		    c->cf->repo_path);
		goto out;
	}
	gitdir = git_repository_path(repo);
	hooks = xasprintf("%shooks", gitdir);
	hook = xasprintf("%s/post-receive", hooks);
	check_hooks_path(c, snap, gitdir, hooks);
	check_hook_file(c, hook, c->cf->repo_path);
	check_hook_config(c, snap, c->cf->repo_path);
out:
	free(hook);
	free(hooks);
	git_config_free(snap);
	git_repository_free(repo);
}

/* One spool directory: there, writable, group-shared.  True when so. */
static bool
check_spool_dir(struct check *c, const char *dir)
{
	struct stat st;
	char *fix;
	bool ok = false;

	fix = xasprintf("install -d -m 2770 -g GROUP %s (GROUP: shared by "
	    "the git user and the builder)", dir);
	if (stat(dir, &st) < 0)
		check_problem(c, fix, "spool directory '%s': %s", dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		check_problem(c, fix, "spool directory '%s' is not a "
		    "directory", dir);
	else if (access(dir, W_OK | X_OK) < 0)
		check_problem(c, fix, "spool directory '%s' is not writable "
		    "by this user: %s", dir, strerror(errno));
	else if ((st.st_mode & 02070) != 02070)
		check_problem(c, fix, "spool directory '%s' is not "
		    "group-shared (mode %04o, want setgid and group rwx)",
		    dir, (unsigned)(st.st_mode & 07777));
	else
		ok = true;
	free(fix);
	return ok;
}

/* The spool and each of its sub-directories. */
static void
check_spool(struct check *c)
{
	char *dir;
	bool ok;
	int d;

	if (!check_spool_dir(c, c->cf->spool_dir))
		return;
	ok = true;
	for (d = 0; d < SPOOL_NDIRS; d++) {
		dir = xasprintf("%s/%s", c->cf->spool_dir, spool_dir_name(d));
		ok = check_spool_dir(c, dir) && ok;
		free(dir);
	}
	if (ok)
		check_ok(c, "spool '%s' and its directories are writable and "
		    "group-shared", c->cf->spool_dir);
}

/* The workdir, or the directory it would be created in, is writable. */
static void
check_workdir(struct check *c)
{
	char *dir = xstrdup(c->cf->workdir), *slash;
	struct stat st;

	while (stat(dir, &st) < 0 && (slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (!S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) < 0)
		check_problem(c, "make it writable for the builder, or set "
		    "[builder] workdir", "workdir '%s': '%s' is not a "
		    "writable directory", c->cf->workdir, dir);
	else if (strcmp(dir, c->cf->workdir) != 0)
		check_ok(c, "workdir '%s' can be created in '%s'",
		    c->cf->workdir, dir);
	else
		check_ok(c, "workdir '%s' is writable", dir);
	free(dir);
}

int
cmd_check(const struct conf *cf, int argc, char **argv)
{
	struct check c = { cf, 0 };

	if (argc != 1)
		return usage();
	log_set_quiet(true);
	check_ok(&c, "config '%s' loads", cf->path);
	check_arch(&c);
	check_engine(&c);
	check_compose(&c);
	check_mirror(&c);
	check_hook(&c);
	check_spool(&c);
	check_workdir(&c);
	log_set_quiet(false);
	if (fflush(stdout) == EOF)
		return log_errno("write check"), EX_IOERR;
	return c.problems == 0 ? 0 : 1;
}
