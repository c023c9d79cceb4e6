/*
 * engine.c - docker or podman, and compose, as argument vectors.
 *
 * Programs are found on ENGINE_PATH, never on the caller's PATH: from cron
 * that is almost empty, and a login shell's may differ from the service's.
 * Children get only the environment built in engine_init(), so a build
 * behaves the same whoever started the builder.  Every command runs
 * through run_command() with [builder] timeout; failures are reported here
 * once, with the reason the job record will show.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"
#include "run.h"

/* Most of the engine's last line quoted in a failure's reason. */
#define ENGINE_SAID_MAX 160

/* What a failed exec of a foreign-architecture binary prints. */
#define EXEC_FORMAT_ERROR "exec format error"

/*
 * The full path of program name: taken as it is when it holds a '/',
 * else searched on ENGINE_PATH.  A new string, or NULL (reported).
 */
static char *
engine_find(const char *what, const char *name)
{
	char *path = path_find(name, ENGINE_PATH);

	if (path != NULL)
		return path;
	if (strchr(name, '/') != NULL)
		log_error("%s '%s': not an executable file", what, name);
	else
		log_error("%s '%s' not found on %s", what, name, ENGINE_PATH);
	return NULL;
}

/*
 * The children's environment.  PATH, HOME and LC_ALL are ours even when
 * pass_env names them: a build must not depend on who started it.
 */
static void
engine_env_init(struct strv *env, const struct strv *pass_env)
{
	struct passwd *pw;
	const char *home = "/", *value;
	size_t i;

	pw = getpwuid(geteuid());
	if (pw != NULL && pw->pw_dir != NULL && *pw->pw_dir != '\0')
		home = pw->pw_dir;
	strv_push(env, "PATH=" ENGINE_PATH);
	strv_pushf(env, "HOME=%s", home);
	strv_push(env, "LC_ALL=C");
	for (i = 0; i < pass_env->n; i++) {
		const char *name = pass_env->v[i];

		if (strcmp(name, "PATH") == 0 || strcmp(name, "HOME") == 0 ||
		    strcmp(name, "LC_ALL") == 0 || strchr(name, '=') != NULL)
			continue;
		if ((value = getenv(name)) != NULL)
			strv_pushf(env, "%s=%s", name, value);
	}
}

int
engine_init(struct engine *e, const struct conf *conf)
{
	struct strv empty = STRV_INIT;

	e->conf = conf;
	e->env = empty;
	e->log_fd = -1;
	e->echo = false;
	if ((e->path = engine_find("engine", conf->engine)) == NULL)
		return -1;
	engine_env_init(&e->env, &conf->pass_env);
	return 0;
}

void
engine_release(struct engine *e)
{
	free(e->path);
	e->path = NULL;
	strv_clear(&e->env);
}

void
build_info_init(struct build_info *bi, const char *commit, time_t now,
    const char *context)
{
	bi->commit = commit;
	snprintf(bi->short_id, sizeof(bi->short_id), "%.*s", SHORT_ID_LEN,
	    commit);
	format_utc(bi->date, now);
	bi->context = context;
}

/* "<engine> [engine_options]", the start of every engine command. */
static void
engine_argv_start(struct strv *argv, const struct conf *conf,
    const char *engine_path)
{
	strv_push(argv, engine_path);
	strv_append(argv, &conf->engine_options);
}

void
engine_build_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const struct conf_image *img,
    const struct build_info *bi)
{
	size_t i;

	engine_argv_start(argv, conf, engine_path);
	strv_push(argv, "build");
	strv_append(argv, &conf->build_options);
	strv_push(argv, "-f");
	strv_pushf(argv, "%s/%s", bi->context, conf->dockerfile);
	for (i = 0; i < img->build_args.n; i++) {
		strv_push(argv, "--build-arg");
		strv_push(argv, img->build_args.v[i]);
	}
	strv_push(argv, "--build-arg");
	strv_pushf(argv, "GIT_SHA=%s", bi->commit);
	strv_push(argv, "--build-arg");
	strv_pushf(argv, "BUILD_DATE=%s", bi->date);
	strv_push(argv, "--label");
	strv_pushf(argv, "GIT_SHA=%s", bi->commit);
	strv_push(argv, "--label");
	strv_pushf(argv, "BUILD_DATE=%s", bi->date);
	strv_push(argv, "--label");
	strv_pushf(argv, "org.opencontainers.image.revision=%s", bi->commit);
	strv_push(argv, "--label");
	strv_pushf(argv, "org.opencontainers.image.created=%s", bi->date);
	strv_push(argv, "-t");
	strv_pushf(argv, "%s:%s", img->repository, bi->short_id);
	strv_push(argv, bi->context);
}

void
engine_tag_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const char *src, const char *dst)
{
	engine_argv_start(argv, conf, engine_path);
	strv_push(argv, "tag");
	strv_push(argv, src);
	strv_push(argv, dst);
}

void
engine_push_argv(struct strv *argv, const struct conf *conf,
    const char *engine_path, const char *image)
{
	engine_argv_start(argv, conf, engine_path);
	strv_push(argv, "push");
	strv_append(argv, &conf->push_options);
	strv_push(argv, image);
}

void
compose_argv(struct strv *argv, const struct conf *conf, const char *verb)
{
	char project[256];

	strv_append(argv, &conf->compose);
	strv_push(argv, "-p");
	strv_push(argv, compose_project(project, sizeof(project), conf));
	strv_push(argv, "-f");
	strv_push(argv, conf->compose_file);
	strv_push(argv, verb);
	if (strcmp(verb, "up") == 0)
		strv_push(argv, "-d");
	else if (strcmp(verb, "ps") == 0)
		strv_push(argv, "-q");
}

char *
compose_project(char *buf, size_t size, const struct conf *conf)
{
	const char *dir = conf->restart_dir, *base, *end;
	size_t n = 0;

	if (conf->project != NULL && *conf->project != '\0') {
		snprintf(buf, size, "%s", conf->project);
		return buf;
	}

	/* As compose names it: the last component, lowercase, [a-z0-9_-]. */
	for (end = dir + strlen(dir); end > dir && end[-1] == '/'; end--)
		;
	for (base = end; base > dir && base[-1] != '/'; base--)
		;
	for (; base < end && n + 1 < size; base++) {
		char c = (char)tolower((unsigned char)*base);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    ((c == '_' || c == '-') && n > 0))
			buf[n++] = c;
	}
	if (n == 0 && size > 7)
		n = (size_t)snprintf(buf, size, "workers");
	buf[n] = '\0';
	return buf;
}

/*
 * Run argv with envp in dir under the engine's log settings and timeout.
 * 0 when it ran (see r), -1 when it could not start (reported).
 */
static int
engine_run(struct engine *e, struct run *r, struct strv *argv,
    struct strv *envp, const char *dir)
{
	r->argv = strv_get(argv);
	r->envp = strv_get(envp);
	r->dir = dir;
	r->log_fd = e->log_fd;
	r->echo = e->echo;
	r->timeout = e->conf->timeout;
	return run_command(r);
}

/*
 * The last non-blank line the child printed (from r->tail), escaped and
 * cut to fit buf: what an engine says last is usually why it failed.
 */
static char *
engine_last_line(char *buf, size_t size, const struct run *r)
{
	const char *end = r->tail + strlen(r->tail), *start;
	char line[ENGINE_SAID_MAX];

	while (end > r->tail && isspace((unsigned char)end[-1]))
		end--;
	for (start = end; start > r->tail && start[-1] != '\n'; start--)
		;
	snprintf(line, sizeof(line), "%.*s", (int)(end - start), start);
	return log_escape(buf, size, line);
}

/*
 * Report why r failed as "<what>: reason" and return -1, or return 0 when
 * it exited 0.
 */
static int
engine_check(const struct run *r, const char *what)
{
	char last[ENGINE_SAID_MAX];

	if (r->timed_out)
		return log_error("%s: timeout after %u s", what, r->timeout);
	if (r->interrupted)
		return log_error("%s: interrupted", what);
	if (r->status != 0 && *engine_last_line(last, sizeof(last), r) != '\0')
		return log_error("%s failed: exit status %d: %s", what,
		    r->status, last);
	if (r->status != 0)
		return log_error("%s failed: exit status %d", what, r->status);
	return 0;
}

int
engine_build(struct engine *e, const struct conf_image *img,
    const struct build_info *bi, bool *permanent)
{
	struct strv argv = STRV_INIT;
	struct run r = RUN_INIT;
	char *what = NULL;
	int ret = -1;

	*permanent = false;
	engine_build_argv(&argv, e->conf, e->path, img, bi);
	if (engine_run(e, &r, &argv, &e->env, NULL) < 0)
		goto out;
	what = xasprintf("build of image '%s' (%s)", img->name,
	    img->repository);
	if (r.status != 0 && !r.timed_out && !r.interrupted &&
	    strcasestr(r.tail, EXEC_FORMAT_ERROR) != NULL) {
		*permanent = true;
		log_error("%s failed: " EXEC_FORMAT_ERROR
		    " (image for another architecture?)", what);
		goto out;
	}
	ret = engine_check(&r, what);
out:
	free(what);
	run_release(&r);
	strv_clear(&argv);
	return ret;
}

/* Run argv (which it clears), and check it as what.  0 or -1. */
static int
engine_do(struct engine *e, struct strv *argv, char *what)
{
	struct run r = RUN_INIT;
	int ret = -1;

	if (engine_run(e, &r, argv, &e->env, NULL) == 0)
		ret = engine_check(&r, what);
	free(what);
	run_release(&r);
	strv_clear(argv);
	return ret;
}

int
engine_tag(struct engine *e, const char *src, const char *dst)
{
	struct strv argv = STRV_INIT;

	engine_tag_argv(&argv, e->conf, e->path, src, dst);
	return engine_do(e, &argv, xasprintf("tag '%s' as '%s'", src, dst));
}

int
engine_push(struct engine *e, const char *image)
{
	struct strv argv = STRV_INIT;

	engine_push_argv(&argv, e->conf, e->path, image);
	return engine_do(e, &argv, xasprintf("push '%s'", image));
}

/* Copy s without leading and trailing white space into buf[size]. */
static int
engine_copy_trimmed(char *buf, size_t size, const char *s,
    const char *what)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= size)
		return log_error("%s: no usable answer", what);
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/*
 * Run "<engine> [options] WORDS..." (words NULL-terminated), capture its
 * output, trimmed, into buf.  what names the action in messages.
 * 0 or -1 (reported).
 */
static int
engine_query(struct engine *e, const char *const *words, const char *what,
    char *buf, size_t size)
{
	struct strv argv = STRV_INIT;
	struct run r = RUN_INIT;
	int ret = -1;

	engine_argv_start(&argv, e->conf, e->path);
	for (; *words != NULL; words++)
		strv_push(&argv, *words);
	r.capture = true;
	if (engine_run(e, &r, &argv, &e->env, NULL) < 0)
		goto out;
	if (engine_check(&r, what) < 0)
		goto out;
	ret = engine_copy_trimmed(buf, size, r.out, what);
out:
	run_release(&r);
	strv_clear(&argv);
	return ret;
}

int
engine_image_arch(struct engine *e, const char *image, char *buf,
    size_t size)
{
	const char *words[] = { "image", "inspect", "--format",
	    "{{.Architecture}}", image, NULL };
	char *what = xasprintf("inspect image '%s'", image);
	int ret;

	ret = engine_query(e, words, what, buf, size);
	free(what);
	return ret;
}

/*
 * The value of label on the object of kind ("image" or "container") into
 * buf; returns as engine_image_label() does.
 */
static int
engine_label(struct engine *e, const char *kind, const char *object,
    const char *label, char *buf, size_t size)
{
	struct strv argv = STRV_INIT;
	struct run r = RUN_INIT;
	const char *v, *end;
	int ret = -1;

	engine_argv_start(&argv, e->conf, e->path);
	strv_push(&argv, kind);
	strv_push(&argv, "inspect");
	strv_push(&argv, "--format");
	strv_pushf(&argv, "{{index .Config.Labels \"%s\"}}", label);
	strv_push(&argv, object);
	r.capture = true;
	if (engine_run(e, &r, &argv, &e->env, NULL) < 0)
		goto out;

	/* A missing image is an answer here, not a failure. */
	ret = 1;
	if (r.status != 0 || r.timed_out || r.interrupted)
		goto out;
	for (v = r.out; isspace((unsigned char)*v); v++)
		;
	for (end = v + strlen(v); end > v && isspace((unsigned char)end[-1]);
	    end--)
		;
	if (end == v || (size_t)(end - v) >= size ||
	    strncmp(v, "<no value>", (size_t)(end - v)) == 0)
		goto out;
	memcpy(buf, v, (size_t)(end - v));
	buf[end - v] = '\0';
	ret = 0;
out:
	run_release(&r);
	strv_clear(&argv);
	return ret;
}

int
engine_image_label(struct engine *e, const char *image, const char *label,
    char *buf, size_t size)
{
	return engine_label(e, "image", image, label, buf, size);
}

int
engine_host_arch(struct engine *e, char *buf, size_t size)
{
	/* podman answers for its host in "info"; docker for its daemon. */
	static const char *const podman[] = { "info", "--format",
	    "{{.Host.Arch}}", NULL };
	static const char *const docker[] = { "version", "--format",
	    "{{.Server.Arch}}", NULL };
	const char *base = strrchr(e->path, '/');

	base = base != NULL ? base + 1 : e->path;
	return engine_query(e, strstr(base, "podman") != NULL ? podman :
	    docker, "ask the engine its architecture", buf, size);
}

const char *
engine_arch_name(const char *machine)
{
	static const char *const names[][2] = {
		{ "x86_64", "amd64" },
		{ "aarch64", "arm64" },
		{ "armv7l", "arm" },
		{ "i686", "386" },
		{ "i386", "386" },
		{ "ppc64le", "ppc64le" },
		{ "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(machine, names[i][0]) == 0)
			return names[i][1];
	return machine;
}

/*
 * Run compose verb in the [restart] directory with env.  0, or -1
 * (reported with the exit status).
 */
static int
engine_compose(struct engine *e, struct strv *env, const char *verb,
    char **out)
{
	const struct conf *conf = e->conf;
	struct strv argv = STRV_INIT;
	struct run r = RUN_INIT;
	char *what = NULL, *prog = NULL;
	int ret = -1;

	if (conf->compose.n == 0) {
		log_error("restart: [restart] compose command is empty");
		goto out;
	}
	if ((prog = engine_find("compose", conf->compose.v[0])) == NULL)
		goto out;
	compose_argv(&argv, conf, verb);
	free(argv.v[0]);
	argv.v[0] = prog;
	prog = NULL;
	r.capture = out != NULL;
	if (engine_run(e, &r, &argv, env, conf->restart_dir) < 0)
		goto out;
	what = xasprintf("compose %s in '%s'", strcmp(verb, "up") == 0 ?
	    "up -d" : verb, conf->restart_dir);
	ret = engine_check(&r, what);
	if (ret == 0 && out != NULL) {
		*out = r.out;
		r.out = NULL;
	}
out:
	free(prog);
	free(what);
	run_release(&r);
	strv_clear(&argv);
	return ret;
}

/* The environment of compose: the engine's, with the built tag. */
static void
restart_env(struct strv *env, const struct engine *e,
    const struct build_info *bi)
{
	strv_append(env, &e->env);
	strv_pushf(env, "IMAGE_TAG=%s", bi->short_id);
	strv_pushf(env, "EXPECTED_GIT_SHA=%s", bi->commit);
}

int
engine_restart(struct engine *e, const struct build_info *bi)
{
	struct strv env = STRV_INIT;
	struct stat st;
	int ret = -1;

	if (stat(e->conf->restart_dir, &st) < 0)
		return log_errno("restart in '%s'", e->conf->restart_dir);
	if (!S_ISDIR(st.st_mode))
		return log_error("restart in '%s': not a directory",
		    e->conf->restart_dir);
	restart_env(&env, e, bi);
	if (engine_compose(e, &env, "down", NULL) < 0 ||
	    engine_compose(e, &env, "up", NULL) < 0)
		goto out;
	ret = 0;
out:
	strv_clear(&env);
	return ret;
}

/* True when s looks like a container id: 12 to 64 lowercase hex digits. */
static bool
is_container_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && n >= 12 && n <= HEX_ID_MAX;
}

int
engine_verify_workers(struct engine *e, const struct build_info *bi)
{
	struct strv env = STRV_INIT;
	char *ids = NULL, *id, *save = NULL, sha[HEX_ID_MAX + 1];
	unsigned n = 0;
	int ret = -1, r;

	restart_env(&env, e, bi);
	if (engine_compose(e, &env, "ps", &ids) < 0)
		goto out;
	for (id = strtok_r(ids, " \t\r\n", &save); id != NULL;
	    id = strtok_r(NULL, " \t\r\n", &save), n++) {
		if (!is_container_id(id)) {
			log_error("verify workers: compose ps gave '%.64s', "
			    "not a container id", id);
			goto out;
		}
		r = engine_label(e, "container", id, "GIT_SHA", sha,
		    sizeof(sha));
		if (r < 0)
			goto out;
		if (r > 0 || strcmp(sha, bi->commit) != 0) {
			log_error("worker container %.12s runs %s, not the "
			    "built commit %s", id, r > 0 ?
			    "an image without a GIT_SHA label" : sha,
			    bi->commit);
			goto out;
		}
	}
	if (n == 0) {
		log_error("verify workers: no container of the compose project "
		    "runs in '%s'", e->conf->restart_dir);
		goto out;
	}
	ret = 0;
out:
	strv_clear(&env);
	free(ids);
	return ret;
}
