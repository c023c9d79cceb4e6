/*
 * install-hook.c - pushbuild install-hook: put pushbuild-hook in place as
 * a mirror's post-receive hook, and point the mirror at this config.
 *
 * The hook appears at once or not at all: it is made under a hidden
 * temporary name in hooks/ and renamed over hooks/post-receive.  By
 * default it is a symlink to the installed pushbuild-hook, so that an
 * upgrade of pushbuild upgrades the hook; --copy copies the program.  A
 * post-receive that is not pushbuild's is replaced only with --force.
 * Then the mirror's local git config gets pushbuild.config (the absolute
 * path of the config in use) and receive.advertisePushOptions=true, so
 * that "git push -o pushbuild.skip" reaches the hook.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmds.h"
#include "log.h"
#include "repo.h"

/* The hook's program name, and its name in hooks/. */
#define HOOK_PROGRAM "pushbuild-hook"
#define HOOK_NAME "post-receive"

/* Largest hook file compared with the program, in bytes. */
#define HOOK_FILE_MAX (64 * 1024 * 1024)

/* An absolute, resolved copy of path when it is executable, else NULL. */
static char *
install_hook_resolve(const char *path)
{
	char *found, *real;

	if ((found = path_find(path, "")) == NULL)
		return NULL;
	real = realpath(found, NULL);
	free(found);
	return real;
}

char *
install_hook_program(void)
{
	const char *env = getenv("PUSHBUILD_HOOK");
	char self[PATH_MAX], *dir, *prog;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		if ((prog = install_hook_resolve(env)) == NULL)
			log_error("find hook program '%s' (PUSHBUILD_HOOK): "
			    "not an executable file", env);
		return prog;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		dir = strrchr(self, '/');
		*dir = '\0';
		dir = xasprintf("%s/" HOOK_PROGRAM, self);
		prog = install_hook_resolve(dir);
		free(dir);
		if (prog != NULL)
			return prog;
	}
	if ((prog = install_hook_resolve(BINDIR "/" HOOK_PROGRAM)) == NULL)
		log_error("find hook program '" HOOK_PROGRAM "': not beside "
		    "pushbuild nor in " BINDIR "; set PUSHBUILD_HOOK");
	return prog;
}

/* Read all of path (following symlinks) into *text.  0 or -1, errno. */
static int
install_hook_slurp(const char *path, char **text, size_t *len)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = read_all(fd, HOOK_FILE_MAX, text, len);
	close(fd);
	return r;
}

int
install_hook_is_ours(const char *path, const char *program, char *why,
    size_t whysize)
{
	struct stat st, pst;
	char *text = NULL, *prog = NULL;
	size_t len, plen;
	int ret = 0;

	if (stat(path, &st) < 0 || install_hook_slurp(path, &text, &len) < 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		return -1;
	}
	if (stat(program, &pst) == 0 && st.st_dev == pst.st_dev &&
	    st.st_ino == pst.st_ino)
		ret = 1;
	else if (install_hook_slurp(program, &prog, &plen) == 0 &&
	    plen == len && memcmp(prog, text, len) == 0)
		ret = 1;
	else if (len > 2 && memcmp(text, "#!", 2) == 0 &&
	    memmem(text, len, HOOK_PROGRAM, strlen(HOOK_PROGRAM)) != NULL)
		ret = 1;
	else if (len > 4 && memcmp(text, "\177ELF", 4) == 0)
		snprintf(why, whysize, "another program than '%s' (an older "
		    "copy of it?)", program);
	else
		snprintf(why, whysize, "neither '%s' nor a script that runs "
		    HOOK_PROGRAM, program);
	free(text);
	free(prog);
	return ret;
}

/* Write the program's bytes into the new file fd.  0 or -1 (reported). */
static int
install_hook_copy(int fd, const char *program, const char *tmp)
{
	char *text = NULL;
	size_t len;
	int ret = 0;

	if (install_hook_slurp(program, &text, &len) < 0)
		ret = log_errno("read hook program '%s'", program);
	else if (fchmod(fd, 0755) < 0 || write_all(fd, text, len) < 0 ||
	    fsync(fd) < 0)
		ret = log_errno("write hook '%s'", tmp);
	free(text);
	return ret;
}

/*
 * Make the new hook under a temporary name in hooks: a copy of program,
 * or a symlink to it.  Its path in *tmp.  0 or -1 (reported).
 */
static int
install_hook_make(const char *hooks, const char *program, bool copy,
    char **tmp)
{
	int fd;

	*tmp = xasprintf("%s/.%s.pushbuild.XXXXXX", hooks, HOOK_NAME);
	if ((fd = mkstemp(*tmp)) < 0) {
		log_errno("create hook '%s'", *tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (copy) {
		if (install_hook_copy(fd, program, *tmp) < 0) {
			close(fd);
			return -1;
		}
		return close(fd) < 0 ? log_errno("write hook '%s'", *tmp) : 0;
	}
	/* mkstemp chose a free name; the symlink takes its place. */
	close(fd);
	if (unlink(*tmp) < 0 || symlink(program, *tmp) < 0)
		return log_errno("create symlink '%s'", *tmp);
	return 0;
}

/*
 * Refuse to replace hook when it exists and is not pushbuild's, unless
 * force.  0 or -1 (reported).
 */
static int
install_hook_may_replace(const char *hook, const char *program, bool force)
{
	struct stat st;
	char why[PATH_MAX + 128];

	if (force || lstat(hook, &st) < 0)
		return 0;
	if (install_hook_is_ours(hook, program, why, sizeof(why)) == 1)
		return 0;
	return log_error("install hook '%s': another post-receive is there "
	    "(%s); move it away, or use --force to replace it", hook, why);
}

/* Put the hook in place in the mirror's hooks/.  0 or -1 (reported). */
static int
install_hook_file(git_repository *repo, const char *program, bool copy,
    bool force)
{
	char *hooks, *hook = NULL, *tmp = NULL;
	int dirfd = -1, ret = -1;

	hooks = xasprintf("%shooks", git_repository_path(repo));
	hook = xasprintf("%s/%s", hooks, HOOK_NAME);
	if (install_hook_may_replace(hook, program, force) < 0 ||
	    mkdir_p(hooks, 0755) < 0 ||
	    install_hook_make(hooks, program, copy, &tmp) < 0)
		goto out;
	if (rename(tmp, hook) < 0) {
		log_errno("rename '%s' to '%s'", tmp, hook);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if ((dirfd = open(hooks, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync_fd(dirfd) < 0) {
		log_errno("sync directory '%s'", hooks);
		goto out;
	}
	printf("pushbuild: installed hook '%s' (%s '%s')\n", hook,
	    copy ? "a copy of" : "a symlink to", program);
	ret = 0;
out:
	if (tmp != NULL)
		unlink(tmp);
	if (dirfd >= 0)
		close(dirfd);
	free(tmp);
	free(hook);
	free(hooks);
	return ret;
}

/*
 * Set pushbuild.config to the absolute path of conf, and
 * receive.advertisePushOptions, in the mirror's own config file.
 */
static int
install_hook_config(git_repository *repo, const char *conf)
{
	git_config *cfg = NULL, *local = NULL;
	char *abs;
	int ret = -1;

	if ((abs = realpath(conf, NULL)) == NULL)
		return log_errno("resolve config '%s'", conf);
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_set_string(local, "pushbuild.config", abs) < 0 ||
	    git_config_set_bool(local, "receive.advertisePushOptions", 1) < 0) {
		log_error("write git config of mirror '%s': %s",
		    git_repository_path(repo), repo_error());
		goto out;
	}
	printf("pushbuild: set pushbuild.config = %s and "
	    "receive.advertisePushOptions = true\n", abs);
	ret = 0;
out:
	git_config_free(local);
	git_config_free(cfg);
	free(abs);
	return ret;
}

int
cmd_install_hook(const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "copy", no_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	git_repository *repo = NULL;
	char *program = NULL;
	bool copy = false, force = false;
	int c, ret = EX_CANTCREAT;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'c')
			copy = true;
		else if (c == 'f')
			force = true;
		else
			return usage();
	}
	if (argc - optind != 1)
		return usage();
	if ((program = install_hook_program()) == NULL)
		return EX_UNAVAILABLE;

	/* Whoever may write the mirror's hooks is trusted to be its owner. */
	if (repo_open(&repo, argv[optind], true) < 0)
		ret = EX_NOINPUT;
	else if (install_hook_file(repo, program, copy, force) == 0 &&
	    install_hook_config(repo, cf->path) == 0)
		ret = 0;
	git_repository_free(repo);
	free(program);
	return ret;
}
