/*
 * pushbuild - the builder command: enqueue, drain, retry, build, and the
 * operator's commands of cmds.h (status, log, check, install-hook,
 * metrics), each in its own file.
 *
 * main parses the global options, loads the config and calls one function
 * per subcommand; each returns an exit code from sysexits.h (or 1 from the
 * arch guard).  Only main exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cmds.h"
#include "conf.h"
#include "drain.h"
#include "enqueue.h"
#include "log.h"
#include "repo.h"
#include "spool.h"

/* Print the synopsis to stderr; returns EX_USAGE. */
int
usage(void)
{
	fprintf(stderr,
	    "usage: pushbuild [-h | -V]\n"
	    "       pushbuild [-s] [-c config] enqueue [--force] [--ref ref] "
	    "rev ...\n"
	    "       pushbuild [-s] [-c config] drain\n"
	    "       pushbuild [-s] [-c config] retry\n"
	    "       pushbuild [-c config] requeue job\n"
	    "       pushbuild [-s] [-c config] rollback [rev]\n"
	    "       pushbuild [-c config] build [--all | --base | --ocr | "
	    "--image name] [--force] [rev]\n"
	    "       pushbuild [-c config] status [--json]\n"
	    "       pushbuild [-c config] log [-f] job\n"
	    "       pushbuild [-c config] check\n"
	    "       pushbuild [-c config] install-hook [--copy] [--force] "
	    "mirror\n"
	    "       pushbuild [-c config] metrics\n");
	return EX_USAGE;
}

/* Open the spool and the mirror for a subcommand; an exit code or 0. */
static int
open_both(const struct conf *cf, struct spool *sp, git_repository **repo)
{
	if (spool_open(sp, cf->spool_dir, true) < 0)
		return EX_CANTCREAT;
	if (repo_open(repo, cf->repo_path, cf->trust_owner) < 0)
		return EX_NOINPUT;
	return 0;
}

/* pushbuild enqueue: queue each rev through the hook's code path. */
static int
cmd_enqueue(const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "ref", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct enqueue eq = { 0 };
	struct spool sp = { 0 };
	git_repository *repo = NULL;
	const char *ref = NULL;
	char *refname = NULL, hex[GIT_OID_HEXSZ + 1];
	git_oid oid;
	int c, i, ret;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'f')
			eq.force = true;
		else if (c == 'r')
			ref = optarg;
		else
			return usage();
	}
	if (optind == argc)
		return usage();

	ret = open_both(cf, &sp, &repo);
	eq.spool = &sp;
	eq.repo = repo;
	eq.source = JOB_SOURCE_MANUAL;
	eq.out = stdout;
	for (i = optind; ret == 0 && i < argc; i++) {
		if (repo_resolve(&oid, &refname, repo, argv[i]) < 0) {
			ret = EX_DATAERR;
			break;
		}
		git_oid_tostr(hex, sizeof(hex), &oid);
		switch (enqueue_update(&eq, NULL, hex, ref != NULL ? ref :
		    refname != NULL ? refname : "")) {
		case -1:
			ret = EX_CANTCREAT;
			break;
		case 2:
			ret = EX_DATAERR;
			break;
		}
		free(refname);
		refname = NULL;
	}
	git_repository_free(repo);
	spool_close(&sp);
	return ret;
}

/* The revision built when none is given: the first plain refs pattern. */
static const char *
default_rev(const struct conf *cf)
{
	if (cf->refs.n > 0 && strpbrk(cf->refs.v[0], "*?[") == NULL)
		return cf->refs.v[0];
	log_error("no revision given, and [repository] refs names no single "
	    "ref to default to");
	return NULL;
}

/* Build rev as req says, in the foreground, under the builder lock. */
static int
build_foreground(const struct conf *cf, const char *rev,
    struct build_request *req)
{
	struct spool sp;
	git_repository *repo = NULL;
	char hex[GIT_OID_HEXSZ + 1], name[JOB_NAME_MAX], *refname = NULL;
	git_oid oid;
	int ret;

	ret = open_both(cf, &sp, &repo);
	if (ret == 0 && drain_catch_signals() < 0)
		ret = EX_OSERR;
	if (ret == 0 && spool_lock(&sp) != 0) {
		log_error("another builder is running; try again when it is "
		    "done");
		ret = EX_TEMPFAIL;
	}
	if (ret == 0 && repo_resolve(&oid, &refname, repo, rev) < 0)
		ret = EX_DATAERR;
	if (ret == 0) {
		git_oid_tostr(hex, sizeof(hex), &oid);
		snprintf(name, sizeof(name), "build.%ld", (long)getpid());
		req->commit = hex;
		req->name = name;
		switch (build_commit(cf, repo, req)) {
		case BUILD_OK:
			break;
		case BUILD_TRANSIENT:
			ret = EX_TEMPFAIL;
			break;
		case BUILD_PERMANENT:
			ret = EX_DATAERR;
			break;
		}
	}
	free(refname);
	git_repository_free(repo);
	spool_close(&sp);
	return ret;
}

/*
 * pushbuild build: the same build as a job, in the foreground with output
 * streamed, outside the queue (but under the builder lock).
 */
static int
cmd_build(const struct conf *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "base", no_argument, NULL, 'b' },
		{ "ocr", no_argument, NULL, 'o' },
		{ "image", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct build_request req = { 0 };
	struct strv images = STRV_INIT;
	const char *rev = NULL;
	int c, ret = EX_USAGE;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'a')
			strv_clear(&images);
		else if (c == 'b' || c == 'o')
			strv_push(&images, c == 'b' ? "base" : "ocr");
		else if (c == 'i')
			strv_push(&images, optarg);
		else if (c == 'f')
			req.force = true;
		else
			goto usage;
	}
	if (argc - optind > 1)
		goto usage;
	rev = optind < argc ? argv[optind] : default_rev(cf);
	if (rev == NULL)
		goto out;
	if (guard_check(cf) < 0) {
		ret = EXIT_GUARD;
		goto out;
	}
	if ((ret = guard_engine(cf)) != 0)
		goto out;

	req.images = &images;
	req.restart = images.n == 0;	/* compose names every image */
	req.log_fd = -1;
	req.echo = true;
	ret = build_foreground(cf, rev, &req);
	goto out;
usage:
	usage();
out:
	strv_clear(&images);
	return ret;
}

/* The config file: -c, then $PUSHBUILD_CONFIG, then the system file. */
static const char *
config_path(const char *opt)
{
	const char *env = getenv("PUSHBUILD_CONFIG");

	if (opt != NULL)
		return opt;
	if (env != NULL && *env != '\0')
		return env;
	return CONF_DEFAULT_PATH;
}

/* Run the subcommand argv[0] with cf; an exit code. */
static int
dispatch(const struct conf *cf, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct conf *, int, char **);
	} cmds[] = {
		{ "enqueue", cmd_enqueue },
		{ "build", cmd_build },
		{ "status", cmd_status },
		{ "log", cmd_log },
		{ "check", cmd_check },
		{ "install-hook", cmd_install_hook },
		{ "metrics", cmd_metrics },
	};
	size_t i;

	optind = 0;
	if (strcmp(argv[0], "drain") == 0 && argc == 1)
		return drain_run(cf);
	if (strcmp(argv[0], "retry") == 0 && argc == 1)
		return retry_run(cf);
	if (strcmp(argv[0], "requeue") == 0 && argc == 2)
		return requeue_run(cf, argv[1]);
	if (strcmp(argv[0], "rollback") == 0 && argc <= 2)
		return rollback_run(cf, argc == 2 ? argv[1] : NULL);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(cf, argc, argv);
	return usage();
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf cf;
	const char *conffile = NULL;
	bool use_syslog = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+c:shV", opts, NULL)) != -1) {
		if (c == 'c') {
			conffile = optarg;
		} else if (c == 's') {
			use_syslog = true;
		} else if (c == 'h') {
			(void)usage();
			return 0;
		} else if (c == 'V') {
			printf("pushbuild %s (libgit2 %d.%d.%d)\n",
			    PACKAGE_VERSION, LIBGIT2_VER_MAJOR,
			    LIBGIT2_VER_MINOR, LIBGIT2_VER_REVISION);
			return 0;
		} else {
			return usage();
		}
	}
	log_init("pushbuild", use_syslog);
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	if (conf_load(&cf, config_path(conffile)) < 0) {
		if (strcmp(argv[0], "check") == 0)
			return cmd_check_unloaded(config_path(conffile));
		return EX_CONFIG;
	}
	if (repo_global_init() < 0) {
		conf_release(&cf);
		return EX_SOFTWARE;
	}
	ret = dispatch(&cf, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_errno("write standard output");
		if (ret == 0)
			ret = EX_IOERR;
	}
	conf_release(&cf);
	git_libgit2_shutdown();
	return ret;
}
