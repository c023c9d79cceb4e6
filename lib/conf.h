/*
 * conf.h - the INI configuration shared by the hook and the builder.
 *
 * Parsed with inih.  A file is loaded into a fresh struct and handed to the
 * caller only when every line was valid: an error never half-applies.
 * Every key has a default (see etc/pushbuild.ini and pushbuild.ini(5)).
 *
 * (The file is conf.h, not config.h, because autoconf owns config.h.)
 */
#ifndef PUSHBUILD_CONF_H
#define PUSHBUILD_CONF_H

#include <stdbool.h>

#include "util.h"

/* The system-wide file, the last place both programs look. */
#define CONF_DEFAULT_PATH "/etc/pushbuild/pushbuild.ini"

/* Longest line accepted in the file, newline included. */
#define CONF_LINE_MAX 1024

/* One [image NAME] section: an image built from each commit. */
struct conf_image {
	char		*name;		/* NAME of the section: base, ocr */
	char		*repository;	/* image repository: fiskai-worker */
	struct strv	 build_args;	/* KEY=VALUE words for --build-arg */
	struct strv	 workers;	/* worker types: one tag each */
};

struct conf {
	char		*path;		/* the file this was loaded from */

	/* [repository] */
	char		*repo_path;	/* the bare mirror */
	struct strv	 refs;		/* fnmatch patterns: refs that build */
	bool		 trust_owner;	/* open another user's mirror */

	/* [spool] */
	char		*spool_dir;

	/* [builder] */
	char		*arch;		/* required uname machine: x86_64 */
	char		*engine;	/* docker, podman, or a full path */
	struct strv	 engine_options; /* global options before the verb */
	struct strv	 build_options;	/* extra options after "build" */
	char		*workdir;	/* where job trees are checked out */
	char		*dockerfile;	/* Dockerfile.worker */
	unsigned	 timeout;	/* seconds for one engine command */
	char		*worker_prefix;	/* fiskai-worker- */
	struct strv	 pass_env;	/* names passed to children */

	/* [image NAME] sections, in file order */
	struct conf_image *images;
	unsigned	 nimages;

	/* [restart] */
	bool		 restart;
	char		*restart_dir;
	char		*compose_file;
	struct strv	 compose;	/* compose command: docker compose */
	char		*project;	/* compose project name, or "" */

	/* [retry] */
	unsigned	 max_attempts;
	unsigned	 backoff;	/* seconds before the first retry */
	unsigned	 backoff_max;	/* longest wait between two tries */

	/* [metrics] */
	char		*metrics_textfile; /* node_exporter .prom file, or "" */

	/* [publish] */
	char		*registry;	/* host[:port][/path], or "" */
	struct strv	 push_options;	/* extra options after "push" */
};

/*
 * Load the file at path into *cf (which need not be initialised).  On
 * success returns 0 and *cf owns its memory (free with conf_release).  On
 * any error prints one "path:line: problem" line (the problem on the lowest
 * line), leaves *cf empty (zeroed), and returns -1.  A file that cannot be
 * opened or read, or is not a regular file, is reported instead as
 * "read config 'path': reason".
 */
int conf_load(struct conf *cf, const char *path);

/* Free everything *cf owns; *cf may then be loaded again. */
void conf_release(struct conf *cf);

/* The [image NAME] section called name, or NULL. */
const struct conf_image *conf_image(const struct conf *cf, const char *name);

/*
 * True when ref matches one of the [repository] refs patterns, by
 * fnmatch(pattern, ref, 0): "*" also matches "/", a leading "." is plain.
 */
bool conf_ref_wanted(const struct conf *cf, const char *ref);

#endif
