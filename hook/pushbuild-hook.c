/*
 * pushbuild-hook - the post-receive hook of the mirror.
 *
 * receive-pack runs it in the mirror with one "<old> <new> <ref>" line per
 * updated ref on stdin; what it prints reaches the pusher as "remote: ...".
 * For each wanted ref that is not deleted it queues one job, durably, and
 * says so in one line.  It never waits for a build and never runs
 * anything.  Lines are handled as they are read, never collected: a
 * mirror push may update tens of thousands of refs.  stdin is read to EOF
 * on every path, errors included, so that git never sees a broken pipe.
 *
 * Push options ("git push -o pushbuild.skip", when the mirror has
 * receive.advertisePushOptions=true) come as GIT_PUSH_OPTION_COUNT and
 * GIT_PUSH_OPTION_<i> in the environment: pushbuild.skip queues nothing,
 * pushbuild.force and pushbuild.no-restart set those fields of each job.
 * Other options are not ours and are left alone; an unknown pushbuild.*
 * option is named in a warning and ignored.
 *
 * The push has already happened when this runs: exit codes only tell the
 * pusher and the logs what went wrong (sysexits.h): 65 for malformed
 * input, 73 when a job could not be written, 78 for the configuration.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "enqueue.h"
#include "hookline.h"
#include "log.h"
#include "repo.h"
#include "spool.h"
#include "util.h"

/* The git config key of the mirror that names the pushbuild file. */
#define HOOK_CONFIG_KEY "pushbuild.config"

/* Longest push option count believed; git allows far fewer. */
#define HOOK_OPTIONS_MAX 1000

/* What the push options ask of this push. */
struct hook_options {
	bool	skip;
	bool	force;
	bool	no_restart;
};

/* Apply one push option to *o; an unknown pushbuild.* one is warned of. */
static void
hook_option(struct hook_options *o, const char *opt)
{
	char shown[256];

	if (strcmp(opt, "pushbuild.skip") == 0)
		o->skip = true;
	else if (strcmp(opt, "pushbuild.force") == 0)
		o->force = true;
	else if (strcmp(opt, "pushbuild.no-restart") == 0)
		o->no_restart = true;
	else if (strncmp(opt, "pushbuild.", 10) == 0)
		log_warn("ignored unknown push option '%s' (known: "
		    "pushbuild.skip, pushbuild.force, pushbuild.no-restart)",
		    log_escape(shown, sizeof(shown), opt));
}

/* Read the push options that receive-pack put in the environment. */
static void
hook_options_read(struct hook_options *o)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT"), *opt;
	char name[64], *end;
	unsigned long i, n;

	memset(o, 0, sizeof(*o));
	if (count == NULL || *count == '\0')
		return;
	n = strtoul(count, &end, 10);
	if (*end != '\0' || n > HOOK_OPTIONS_MAX)
		return;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%lu", i);
		if ((opt = getenv(name)) != NULL)
			hook_option(o, opt);
	}
}

/* Discard the rest of in, so that receive-pack can write all of it. */
static void
hook_drain(FILE *in)
{
	while (getc(in) != EOF)
		continue;
}

/* Print the synopsis, as in pushbuild-hook(8). */
static void
usage(void)
{
	fprintf(stderr, "usage: pushbuild-hook [-c config]\n");
}

/*
 * The value of pushbuild.config in the git config of the repository in
 * the current directory (receive-pack runs hooks there), or NULL when it
 * is not set.  *failed is set when the repository or its config cannot
 * be read (reported).
 */
static char *
hook_config_from_git(bool *failed)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	const char *value;
	char *ret = NULL;
	int r;

	/*
	 * git started this hook in this repository, so its owner is not in
	 * question here; and reading one value runs nothing.  The mirror is
	 * opened again under the configured trust_owner to queue jobs.
	 */
	*failed = true;
	if (repo_open(&repo, ".", true) < 0)
		goto out;
	if (git_repository_config_snapshot(&cfg, repo) < 0) {
		log_error("read git config of the mirror: %s", repo_error());
		goto out;
	}
	r = git_config_get_string(&value, cfg, HOOK_CONFIG_KEY);
	if (r < 0 && r != GIT_ENOTFOUND) {
		log_error("read git config '%s': %s", HOOK_CONFIG_KEY,
		    repo_error());
		goto out;
	}
	if (r == 0 && *value != '\0')
		ret = xstrdup(value);
	*failed = false;
out:
	git_config_free(cfg);
	git_repository_free(repo);
	return ret;
}

/*
 * The configuration file to load: -c, then $PUSHBUILD_CONFIG, then the
 * mirror's pushbuild.config, then the system file.  Owned by the caller;
 * NULL when the mirror's config could not be read (reported).
 */
static char *
hook_config_path(const char *option)
{
	const char *env = getenv("PUSHBUILD_CONFIG");
	char *path;
	bool failed;

	if (option != NULL)
		return xstrdup(option);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	path = hook_config_from_git(&failed);
	if (failed)
		return NULL;
	return path != NULL ? path : xstrdup(CONF_DEFAULT_PATH);
}

/*
 * True when the current directory is the configured mirror: a hook
 * installed in another repository, or pointed at the wrong file, must not
 * queue commits of the configured one.  Reports when it is not.
 */
static bool
hook_is_mirror(const struct conf *cf)
{
	struct stat here, there;

	if (stat(".", &here) < 0) {
		log_errno("stat '.'");
		return false;
	}
	if (stat(cf->repo_path, &there) < 0) {
		log_errno("stat mirror '%s'", cf->repo_path);
		return false;
	}
	if (here.st_dev != there.st_dev || here.st_ino != there.st_ino) {
		log_error("run in mirror '.': not the configured mirror '%s' "
		    "of %s", cf->repo_path, cf->path);
		return false;
	}
	return true;
}

/*
 * Read one line of in into buf (size HOOKLINE_MAX + 1), without its "\n".
 * Returns 1 for a line, 0 at EOF, -1 for a line that is too long or holds
 * a NUL byte: its rest is read and dropped, the reason is in *why.
 */
static int
hook_read_line(FILE *in, char *buf, const char **why)
{
	size_t len = 0;
	int c;

	*why = NULL;
	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0')
			*why = "NUL byte in line";
		else if (len == HOOKLINE_MAX)
			*why = "line too long";
		else
			buf[len++] = (char)c;
	}
	buf[len] = '\0';
	if (c == EOF && len == 0 && *why == NULL)
		return 0;
	return *why == NULL ? 1 : -1;
}

/*
 * Handle one line: queue it, or skip it silently (a deletion, a ref the
 * config does not want).  Returns 0, or an exit status: EX_DATAERR for a
 * malformed line (said in one line), EX_CANTCREAT for a job not written.
 */
static int
hook_update(struct enqueue *eq, const struct conf *cf, char *line,
    unsigned long lineno)
{
	struct hook_update u;
	char why[256];
	int r;

	if (hookline_parse(&u, line, why, sizeof(why)) < 0) {
		log_warn("ignored line %lu: %s", lineno, why);
		return EX_DATAERR;
	}
	if (hookline_is_deletion(&u) || !conf_ref_wanted(cf, u.ref))
		return 0;
	r = enqueue_update(eq, u.old, u.new, u.ref);
	if (r < 0)
		return EX_CANTCREAT;
	return r == 2 ? EX_DATAERR : 0;
}

/*
 * Queue every line of in.  A bad line does not stop the others.  Returns
 * the exit status: 0, EX_DATAERR, or EX_CANTCREAT (which wins).
 */
static int
hook_queue(struct enqueue *eq, const struct conf *cf, FILE *in)
{
	static char line[HOOKLINE_MAX + 1];
	unsigned long lineno = 0;
	const char *why;
	int r, status = 0;

	while ((r = hook_read_line(in, line, &why)) != 0) {
		lineno++;
		if (r < 0) {
			log_warn("ignored line %lu: %s", lineno, why);
			r = EX_DATAERR;
		} else {
			r = hook_update(eq, cf, line, lineno);
		}
		if (r == EX_CANTCREAT || (r != 0 && status == 0))
			status = r;
	}
	return status;
}

/* Open the spool and the mirror of cf, and queue the lines of in. */
static int
hook_run(const struct conf *cf, const struct hook_options *o, FILE *in)
{
	struct enqueue eq;
	struct spool sp;
	git_repository *repo = NULL;
	int status;

	if (!hook_is_mirror(cf))
		return EX_CONFIG;
	if (repo_open(&repo, cf->repo_path, cf->trust_owner) < 0)
		return EX_CONFIG;
	if (spool_open(&sp, cf->spool_dir, true) < 0) {
		git_repository_free(repo);
		return EX_CANTCREAT;
	}

	memset(&eq, 0, sizeof(eq));
	eq.spool = &sp;
	eq.repo = repo;
	eq.source = JOB_SOURCE_HOOK;
	eq.out = stderr;
	eq.force = o->force;
	eq.no_restart = o->no_restart;
	status = hook_queue(&eq, cf, in);

	spool_close(&sp);
	git_repository_free(repo);
	return status;
}

int
main(int argc, char *argv[])
{
	struct hook_options opts;
	struct conf cf;
	const char *option = NULL;
	char *path = NULL;
	int c, status = EX_CONFIG;

	log_init("pushbuild", false);
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			usage();
			hook_drain(stdin);
			return EX_USAGE;
		}
		option = optarg;
	}
	if (optind != argc) {
		usage();
		hook_drain(stdin);
		return EX_USAGE;
	}

	if (repo_global_init() < 0)
		goto out;
	hook_options_read(&opts);
	if (opts.skip) {
		fprintf(stderr, "pushbuild: push option pushbuild.skip: "
		    "nothing queued\n");
		status = 0;
		goto out;
	}
	if ((path = hook_config_path(option)) == NULL ||
	    conf_load(&cf, path) < 0) {
		log_warn("nothing was queued for this push; when the config "
		    "is fixed, queue it with: pushbuild enqueue <branch>");
		goto out;
	}
	status = hook_run(&cf, &opts, stdin);
	conf_release(&cf);
out:
	/* Whatever happened, git must be able to write all its lines. */
	hook_drain(stdin);
	free(path);
	git_libgit2_shutdown();
	return status;
}
