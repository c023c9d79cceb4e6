/*
 * engine.h - the container engine (docker or podman) and compose, as
 * argument vectors.
 *
 * The *_argv functions only build vectors, so tests can compare them;
 * the others run them through run_command() with the environment the
 * builder sets itself (see engine_init).
 */
#ifndef PUSHBUILD_ENGINE_H
#define PUSHBUILD_ENGINE_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "util.h"

/* The PATH children get, whatever ours is (cron has almost none). */
#define ENGINE_PATH \
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What every image build of one job shares. */
struct build_info {
	const char	*commit;	/* full id */
	char		 short_id[SHORT_ID_LEN + 1];
	char		 date[21];	/* UTC ISO 8601 build time */
	const char	*context;	/* checked-out tree */
};

struct engine {
	const struct conf *conf;
	char		*path;		/* engine program, full path */
	struct strv	 env;		/* environment for every child */
	int		 log_fd;	/* output goes here, or -1 */
	bool		 echo;		/* and to stdout */
};

/*
 * Resolve the engine on ENGINE_PATH (or take a full path) and build the
 * children's environment: PATH=ENGINE_PATH, HOME from the password
 * database, LC_ALL=C, and each [builder] pass_env variable that is set.
 * 0 or -1 (reported: "engine 'docker' not found on PATH ...").
 */
int engine_init(struct engine *e, const struct conf *conf);

/* Free what engine_init() allocated. */
void engine_release(struct engine *e);

/* Fill bi from commit, now and context. */
void build_info_init(struct build_info *bi, const char *commit, time_t now,
    const char *context);

/*
 * The vector of "<engine> [engine_options] build [build_options] -f
 * <context>/<dockerfile> --build-arg ... --label ... -t REPO:<short>
 * <context>", appended to *argv.
 */
void engine_build_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const struct conf_image *img,
    const struct build_info *bi);

/* "<engine> [engine_options] tag SRC DST", appended to *argv. */
void engine_tag_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const char *src, const char *dst);

/* "<engine> [engine_options] push [push_options] IMAGE", appended. */
void engine_push_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const char *image);

/*
 * The compose command for verb ("down", "up" or "ps"): "<compose...> -p
 * PROJECT -f <compose_file> down", "... up -d" or "... ps -q", appended to
 * *argv.  The project is always named (see compose_project()), and no
 * verb ever removes volumes.
 */
void compose_argv(struct strv *argv, const struct conf *conf,
    const char *verb);

/*
 * The compose project: [restart] project, or else the name compose would
 * give the directory (its last component, lowercase, only [a-z0-9_-]).
 * Written into buf; returns buf.
 */
char *compose_project(char *buf, size_t size, const struct conf *conf);

/*
 * After a restart: every running container of the compose project must
 * carry GIT_SHA=<bi->commit>, and at least one must run.  0, or -1
 * (reported, naming the first container on another commit).
 */
int engine_verify_workers(struct engine *e, const struct build_info *bi);

/*
 * Run a build of img.  Returns 0 when built; -1 when it failed (reported,
 * with the reason: exit status, "timeout after N s", "exec format error"
 * when the log shows it).  *permanent is set for failures that a retry
 * cannot fix.
 */
int engine_build(struct engine *e, const struct conf_image *img,
    const struct build_info *bi, bool *permanent);

/* Tag src as dst.  0 or -1 (reported). */
int engine_tag(struct engine *e, const char *src, const char *dst);

/* Push image to the registry its name starts with.  0 or -1 (reported). */
int engine_push(struct engine *e, const char *image);

/*
 * The architecture of image (as the engine names it: amd64, arm64) into
 * buf.  0 or -1 (reported).
 */
int engine_image_arch(struct engine *e, const char *image, char *buf,
    size_t size);

/*
 * The value of label on image into buf.  Returns 0 when found; 1 when the
 * image does not exist or has no such label (not an error: nothing is
 * reported); -1 when the engine could not be run (reported).
 */
int engine_image_label(struct engine *e, const char *image,
    const char *label, char *buf, size_t size);

/*
 * The architecture the engine itself runs images for (amd64, arm64), into
 * buf: "podman info" or "docker version" (the daemon's).  Fails when the
 * engine is not reachable.  0 or -1 (reported).
 */
int engine_host_arch(struct engine *e, char *buf, size_t size);

/* The engine's name for the uname machine m: x86_64 -> amd64, ... */
const char *engine_arch_name(const char *machine);

/*
 * Run compose down then up -d in [restart] directory with IMAGE_TAG and
 * EXPECTED_GIT_SHA set.  0 or -1 (reported).
 */
int engine_restart(struct engine *e, const struct build_info *bi);

#endif
