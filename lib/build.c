/*
 * build.c - the images of one commit, from checkout to restart.
 *
 * Order, and why: the tree is checked out into <workdir>/<job>/tree; every
 * selected [image] section is built and its architecture checked against
 * [builder] arch; only when all of them built do the moving tags (:latest
 * and one per worker type) move, so a half-failed job never leaves mixed
 * tags; then the optional restart.  The work directory is removed on
 * every path.  Each failure is reported once where it happens, so
 * log_last() holds the job's reason; each step is also written as a
 * "pushbuild: ..." line into the job's log, between the engine's output.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "checkout.h"
#include "engine.h"
#include "log.h"
#include "util.h"

/* Longest architecture name an engine reports that we keep. */
#define BUILD_ARCH_MAX 64

/* One build in progress. */
struct build_ctx {
	const struct conf	 *cf;
	const struct build_request *req;
	struct engine		  e;
	struct build_info	  bi;
	const struct conf_image **sel;	/* the images to build */
	size_t			  nsel;
	char			 *dir;	/* <workdir>/<name> */
	char			 *tree;	/* <dir>/tree */
	bool			  permanent;
	bool			  step_failed; /* a step line write failed */
};

/*
 * Write "pushbuild: <msg>" into the job's log.  A failed write is
 * reported once, as a warning: the build itself is not at fault.
 */
static void
build_note(struct build_ctx *ctx, const char *msg)
{
	char *line;

	if (ctx->req->log_fd < 0 || ctx->step_failed)
		return;
	line = xasprintf("%s: %s\n", log_prog(), msg);
	if (write_all(ctx->req->log_fd, line, strlen(line)) < 0) {
		log_warn("write job log: %s", strerror(errno));
		ctx->step_failed = true;
	}
	free(line);
}

/* Note a step: one log_info line, and the same in the job's log. */
static void __attribute__((format(printf, 2, 3)))
build_step(struct build_ctx *ctx, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
	build_note(ctx, msg);
}

/* Fill ctx->sel from req->images (all sections when none are named). */
static int
build_select(struct build_ctx *ctx)
{
	const struct strv *names = ctx->req->images;
	const struct conf *cf = ctx->cf;
	size_t i;

	if (names == NULL || names->n == 0) {
		ctx->sel = xcalloc(cf->nimages, sizeof(*ctx->sel));
		for (i = 0; i < cf->nimages; i++)
			ctx->sel[i] = &cf->images[i];
		ctx->nsel = cf->nimages;
	} else {
		ctx->sel = xcalloc(names->n, sizeof(*ctx->sel));
		for (i = 0; i < names->n; i++) {
			ctx->sel[i] = conf_image(cf, names->v[i]);
			if (ctx->sel[i] == NULL) {
				ctx->permanent = true;
				return log_error("select image '%s': no "
				    "[image %s] section in %s", names->v[i],
				    names->v[i], cf->path);
			}
		}
		ctx->nsel = names->n;
	}
	if (ctx->nsel == 0) {
		ctx->permanent = true;
		return log_error("build: no [image] section in %s", cf->path);
	}
	return 0;
}

/* True when name can be a directory entry of its own: no '/', no dots. */
static bool
is_dir_name(const char *name)
{
	return *name != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Make a fresh <workdir>/<name> and check the commit out into it. */
static int
build_checkout(struct build_ctx *ctx, git_repository *repo)
{
	const struct build_request *req = ctx->req;

	if (!is_dir_name(req->name)) {
		ctx->permanent = true;
		return log_error("build job '%s': not a directory name",
		    req->name);
	}
	if (mkdir_p(ctx->cf->workdir, 0750) < 0)
		return -1;
	ctx->dir = xasprintf("%s/%s", ctx->cf->workdir, req->name);
	ctx->tree = xasprintf("%s/tree", ctx->dir);
	if (remove_tree(ctx->dir) < 0)
		return -1;
	if (mkdir(ctx->dir, 0700) < 0)
		return log_errno("create directory '%s'", ctx->dir);
	build_step(ctx, "checkout %s into %s", req->commit, ctx->tree);
	return checkout_commit(repo, req->commit, ctx->tree,
	    ctx->cf->dockerfile, &ctx->permanent);
}

/* Build img, then check that the image is for the host's architecture. */
static int
build_image(struct build_ctx *ctx, const struct conf_image *img)
{
	const char *want = engine_arch_name(ctx->cf->arch);
	char arch[BUILD_ARCH_MAX], *ref;
	int ret = -1;

	ref = xasprintf("%s:%s", img->repository, ctx->bi.short_id);
	build_step(ctx, "build image '%s' (%s)", img->name, ref);
	if (engine_build(&ctx->e, img, &ctx->bi, &ctx->permanent) < 0)
		goto out;
	if (engine_image_arch(&ctx->e, ref, arch, sizeof(arch)) < 0)
		goto out;
	if (strcmp(arch, want) != 0) {
		ctx->permanent = true;
		log_error("image %s is %s, host needs %s", ref, arch, want);
		goto out;
	}
	build_step(ctx, "built %s for %s", ref, arch);
	ret = 0;
out:
	free(ref);
	return ret;
}

/* Tag src as dst and say so. */
static int
build_tag(struct build_ctx *ctx, const char *src, const char *dst)
{
	if (engine_tag(&ctx->e, src, dst) < 0)
		return -1;
	build_step(ctx, "tagged %s as %s", src, dst);
	return 0;
}

/*
 * The tags a job moves, as pairs: srcs->v[i] (REPO:<short>) is to be
 * tagged dsts->v[i] (REPO:latest, then <prefix><type>:latest for each
 * worker type).  A worker tag may be the image's own ("ocr" of
 * fiskai-worker-ocr): each destination comes once.
 */
static void
build_tag_plan(struct build_ctx *ctx, struct strv *srcs, struct strv *dsts)
{
	const struct conf_image *img;
	char *src, *dst;
	size_t i, j;

	for (i = 0; i < ctx->nsel; i++) {
		img = ctx->sel[i];
		src = xasprintf("%s:%s", img->repository, ctx->bi.short_id);
		for (j = 0; j <= img->workers.n; j++) {
			dst = j == 0 ? xasprintf("%s:latest", img->repository) :
			    xasprintf("%s%s:latest", ctx->cf->worker_prefix,
			    img->workers.v[j - 1]);
			if (!strv_contains(dsts, dst)) {
				strv_push(srcs, src);
				strv_push(dsts, dst);
			}
			free(dst);
		}
		free(src);
	}
}

/*
 * Move the tags of every built image (see build_tag_plan()).
 *
 * XXX: an engine cannot move several tags at once; a tag that fails here
 * leaves the earlier ones moved.  Reported as transient: the retry tags
 * again from the start, the same images.
 */
static int
build_tags(struct build_ctx *ctx)
{
	struct strv srcs = STRV_INIT, dsts = STRV_INIT;
	size_t i;
	int ret = 0;

	build_tag_plan(ctx, &srcs, &dsts);
	for (i = 0; ret == 0 && i < dsts.n; i++)
		ret = build_tag(ctx, srcs.v[i], dsts.v[i]);
	strv_clear(&srcs);
	strv_clear(&dsts);
	return ret;
}

/* Tag name as <registry>/name and push it.  0 or -1 (reported). */
static int
build_push(struct build_ctx *ctx, const char *name)
{
	char *remote = xasprintf("%s/%s", ctx->cf->registry, name);
	int ret = -1;

	if (engine_tag(&ctx->e, name, remote) == 0 &&
	    engine_push(&ctx->e, remote) == 0) {
		build_step(ctx, "pushed %s", remote);
		ret = 0;
	}
	free(remote);
	return ret;
}

/*
 * Push every image of the job to [publish] registry: first the commit's
 * own tags, then the moving ones, so that a host pulling :latest finds the
 * commit's image already there.
 */
static int
build_publish(struct build_ctx *ctx)
{
	struct strv srcs = STRV_INIT, dsts = STRV_INIT;
	size_t i;
	int ret = 0;

	build_tag_plan(ctx, &srcs, &dsts);
	for (i = 0; ret == 0 && i < srcs.n; i++)
		if (i == 0 || strcmp(srcs.v[i], srcs.v[i - 1]) != 0)
			ret = build_push(ctx, srcs.v[i]);
	for (i = 0; ret == 0 && i < dsts.n; i++)
		ret = build_push(ctx, dsts.v[i]);
	strv_clear(&srcs);
	strv_clear(&dsts);
	return ret;
}

/*
 * True when every selected image exists as REPO:<short> labelled with this
 * commit.  An engine that cannot answer counts as "no": the build then
 * says what is wrong.
 */
static bool
build_exists(struct build_ctx *ctx)
{
	char sha[HEX_ID_MAX + 1], *ref;
	size_t i;
	int r;

	for (i = 0; i < ctx->nsel; i++) {
		ref = xasprintf("%s:%s", ctx->sel[i]->repository,
		    ctx->bi.short_id);
		r = engine_image_label(&ctx->e, ref, "GIT_SHA", sha,
		    sizeof(sha));
		free(ref);
		if (r != 0 || strcmp(sha, ctx->req->commit) != 0)
			return false;
	}
	return true;
}

/* Check out the tree and build every selected image. */
static int
build_images(struct build_ctx *ctx, git_repository *repo)
{
	size_t i;

	if (build_checkout(ctx, repo) < 0)
		return -1;
	ctx->bi.context = ctx->tree;
	for (i = 0; i < ctx->nsel; i++)
		if (build_image(ctx, ctx->sel[i]) < 0)
			return -1;
	return 0;
}

/* Every step after the engine is ready: builds, tags, restart. */
static int
build_run(struct build_ctx *ctx, git_repository *repo)
{
	build_info_init(&ctx->bi, ctx->req->commit, time(NULL), NULL);
	if (!ctx->req->force && build_exists(ctx)) {
		build_step(ctx, "images of %s exist already, not rebuilt "
		    "(force rebuilds)", ctx->req->commit);
		if (ctx->req->already_built != NULL)
			*ctx->req->already_built = true;
	} else if (ctx->req->no_build) {
		ctx->permanent = true;
		return log_error("images of %s are not there any more; a "
		    "rollback does not build (pushbuild build %s does)",
		    ctx->req->commit, ctx->req->commit);
	} else if (build_images(ctx, repo) < 0) {
		return -1;
	}

	/* Only now, with every image built, may any tag move. */
	if (build_tags(ctx) < 0)
		return -1;
	if (*ctx->cf->registry != '\0' && build_publish(ctx) < 0)
		return -1;

	if (ctx->req->restart && ctx->cf->restart) {
		build_step(ctx, "restart workers in %s",
		    ctx->cf->restart_dir);
		if (engine_restart(&ctx->e, &ctx->bi) < 0)
			return -1;

		/* The stale-worker incident: compose kept an old image. */
		if (engine_verify_workers(&ctx->e, &ctx->bi) < 0) {
			ctx->permanent = true;
			return -1;
		}
		build_step(ctx, "every worker runs %s", ctx->bi.commit);
	}
	return 0;
}

/*
 * Remove the work directory.  A failure is reported, but when the build
 * had failed already its reason is reported again afterwards, so that
 * log_last() names the build's failure and not the cleanup's.
 */
static void
build_cleanup(struct build_ctx *ctx, bool failed)
{
	char reason[LOG_MSG_MAX];

	if (ctx->dir == NULL)
		return;
	snprintf(reason, sizeof(reason), "%s", log_last());
	if (remove_tree(ctx->dir) < 0 && failed)
		log_error("%s", reason);
}

enum build_status
build_commit(const struct conf *cf, git_repository *repo,
    const struct build_request *req)
{
	struct build_ctx ctx = { .cf = cf, .req = req };
	enum build_status status = BUILD_OK;
	char *msg;
	int ret = -1;

	if (build_select(&ctx) < 0 || engine_init(&ctx.e, cf) < 0)
		goto out;
	ctx.e.log_fd = req->log_fd;
	ctx.e.echo = req->echo;

	/* Marks every child of this job, for a builder that finds it left. */
	strv_pushf(&ctx.e.env, "%s=%s", BUILD_MARKER, req->name);
	ret = build_run(&ctx, repo);
out:
	if (ret < 0) {
		/* The reason went to stderr or syslog; the job log gets it. */
		status = ctx.permanent ? BUILD_PERMANENT : BUILD_TRANSIENT;
		msg = xasprintf("failed: %s", log_last());
		build_note(&ctx, msg);
		free(msg);
	} else {
		build_step(&ctx, "built %s", req->commit);
	}
	build_cleanup(&ctx, ret < 0);
	engine_release(&ctx.e);
	free(ctx.sel);
	free(ctx.dir);
	free(ctx.tree);
	return status;
}
