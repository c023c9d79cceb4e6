/*
 * test_engine.c - engine argument vectors, the children's environment, and
 * engine_build/tag/image_arch/restart against a recording stand-in engine:
 * a small sh script written into the test's mkdtemp directory that logs
 * its arguments one per line and behaves as the "mode" file says.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <git2.h>

#include "build.h"
#include "conf.h"
#include "engine.h"
#include "log.h"
#include "util.h"

#define COMMIT "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
#define DATE "2026-12-03T15:44:29Z"

/* The stand-in engine; TMP is replaced by the test directory. */
static const char standin[] =
    "#!/bin/sh\n"
    "d='TMP'\n"
    "echo $$ > \"$d/pid\"\n"
    "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$d/args\"\n"
    "for a in \"$@\"; do case $a in GIT_SHA=*) echo \"${a#GIT_SHA=}\""
    " > \"$d/built\" ;; esac; done\n"
    "echo \"IMAGE_TAG=${IMAGE_TAG-} EXPECTED_GIT_SHA=${EXPECTED_GIT_SHA-}"
    " PWD=$(pwd -P)\" >> \"$d/env\"\n"
    "case \"$*\" in\n"
    "*'container inspect'*) cat \"$d/sha\" 2>/dev/null || cat \"$d/built\";"
    " exit 0 ;;\n"
    "*'ps -q'*) echo 0123456789abcdef; exit 0 ;;\n"
    "*'image inspect'*) echo '  amd64 '; exit 0 ;;\n"
    "esac\n"
    "mode=$(cat \"$d/mode\" 2>/dev/null)\n"
    "case \"$mode\" in\n"
    "failocr) case \"$*\" in *WITH_OCR=true*) exit 2 ;; esac ;;\n"
    "fail) echo 'step 3/9: failed' >&2; exit 1 ;;\n"
    "execfmt) echo 'exec /bin/sh: Exec format error' >&2; exit 1 ;;\n"
    "sleep) sleep 30 & echo $! > \"$d/sleeppid\"; wait; exit 0 ;;\n"

    "esac\n"
    "echo 'standin output'\n";

/* One test's world: a directory, a hand-filled conf, an image, an engine. */
struct fixture {
	char		*dir;
	char		*standin;	/* full path of the stand-in */
	struct conf	 conf;
	struct conf_image imgs[2];	/* base, ocr */
	struct conf_image *img;		/* &imgs[0] */
	struct engine	 e;
	struct build_info bi;
	git_repository	*repo;		/* build tests: a bare mirror */
	char		 commit[HEX_ID_SHA1 + 1];
};

/* Write the stand-in engine into f->dir. */
static int
write_standin(struct fixture *f)
{
	char *text = xstrdup(standin), *p = strstr(text, "TMP");
	char *full;
	int fd, r;

	*p = '\0';
	full = xasprintf("%s%s%s", text, f->dir, p + 3);
	f->standin = xasprintf("%s/engine", f->dir);
	fd = open(f->standin, O_WRONLY | O_CREAT | O_EXCL, 0755);
	r = fd < 0 || write_all(fd, full, strlen(full)) < 0 ? -1 : 0;
	if (fd >= 0 && close(fd) < 0)
		r = -1;
	free(text);
	free(full);
	return r;
}

/* A conf as the defaults and the shop's base image would make it. */
static void
fill_conf(struct fixture *f)
{
	struct conf *cf = &f->conf;

	memset(cf, 0, sizeof(*cf));
	cf->engine = xstrdup(f->standin);
	cf->dockerfile = xstrdup("Dockerfile.worker");
	cf->timeout = 30;
	cf->arch = xstrdup("x86_64");
	cf->worker_prefix = xstrdup("fiskai-worker-");
	cf->restart_dir = xstrdup(f->dir);
	cf->compose_file = xstrdup("docker-compose.workers.yml");
	cf->project = xstrdup("");
	cf->registry = xstrdup("");
	strv_split(&cf->compose, "docker compose");

	f->img = &f->imgs[0];
	f->img->name = xstrdup("base");
	f->img->repository = xstrdup("fiskai-worker");
	strv_push(&f->img->build_args, "WITH_OCR=false");
	strv_split(&f->img->workers, "orchestrator sentinel");
	f->imgs[1].name = xstrdup("ocr");
	f->imgs[1].repository = xstrdup("fiskai-worker-ocr");
	strv_push(&f->imgs[1].build_args, "WITH_OCR=true");
	strv_push(&f->imgs[1].workers, "ocr");
	cf->images = f->imgs;
	cf->nimages = 2;
	cf->workdir = xasprintf("%s/work", f->dir);
	cf->path = xstrdup("test.ini");
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->dir = xstrdup("/tmp/test_engine.XXXXXX");
	if (mkdtemp(f->dir) == NULL || write_standin(f) < 0)
		return -1;
	fill_conf(f);
	build_info_init(&f->bi, COMMIT, 1796312669, "/work/tree");
	log_clear();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct conf *cf = &f->conf;
	int r = remove_tree(f->dir);
	int i;

	engine_release(&f->e);
	free(cf->engine);
	free(cf->dockerfile);
	free(cf->arch);
	free(cf->worker_prefix);
	free(cf->restart_dir);
	free(cf->compose_file);
	free(cf->project);
	free(cf->registry);
	strv_clear(&cf->push_options);
	strv_clear(&cf->compose);
	strv_clear(&cf->engine_options);
	strv_clear(&cf->build_options);
	strv_clear(&cf->pass_env);
	free(cf->workdir);
	free(cf->path);
	for (i = 0; i < 2; i++) {
		free(f->imgs[i].name);
		free(f->imgs[i].repository);
		strv_clear(&f->imgs[i].build_args);
		strv_clear(&f->imgs[i].workers);
	}
	if (f->repo != NULL)
		git_repository_free(f->repo);
	free(f->standin);
	free(f->dir);
	free(f);
	return r;
}

/* Assert that sv holds exactly the NULL-terminated words given. */
static void
assert_strv(const struct strv *sv, ...)
{
	const char *want;
	va_list ap;
	size_t i = 0;

	va_start(ap, sv);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < sv->n);
		assert_string_equal(sv->v[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(sv->n, i);
}

/* The contents of file name in the test directory, a new string. */
static char *
slurp(struct fixture *f, const char *name)
{
	char *path = xasprintf("%s/%s", f->dir, name), *buf = NULL;
	size_t len;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read_all(fd, 1 << 20, &buf, &len), 0);
	close(fd);
	free(path);
	return buf;
}

/* Write the stand-in's mode file. */
static void
put(struct fixture *f, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", f->dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	assert_int_equal(close(fd), 0);
	free(path);
}

/* Make the stand-in fail or sleep as mode says (see standin[]). */
static void
set_mode(struct fixture *f, const char *mode)
{
	put(f, "mode", mode);
}

/* True once pid is dead (gone, or a zombie its new parent has not reaped). */
static bool
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	for (i = 0; i < 30; i++) {
		if ((fp = fopen(path, "r")) == NULL)
			return kill(pid, 0) < 0 && errno == ESRCH;
		p = fgets(buf, sizeof(buf), fp) ? strrchr(buf, ')') : NULL;
		fclose(fp);
		if (p != NULL && p[1] == ' ' && p[2] == 'Z')
			return true;
		usleep(100000);
	}
	return false;
}

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_engine_build_argv_plain(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	engine_build_argv(&argv, &f->conf, "/usr/bin/docker", f->img, &f->bi);

	assert_strv(&argv, "/usr/bin/docker", "build",
	    "-f", "/work/tree/Dockerfile.worker",
	    "--build-arg", "WITH_OCR=false",
	    "--build-arg", "GIT_SHA=" COMMIT,
	    "--build-arg", "BUILD_DATE=" DATE,
	    "--label", "GIT_SHA=" COMMIT,
	    "--label", "BUILD_DATE=" DATE,
	    "--label", "org.opencontainers.image.revision=" COMMIT,
	    "--label", "org.opencontainers.image.created=" DATE,
	    "-t", "fiskai-worker:1a2b3c4", "/work/tree", NULL);
	strv_clear(&argv);
}

static void
test_engine_build_argv_options(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	strv_split(&f->conf.engine_options, "--root /srv/storage");
	strv_split(&f->conf.build_options, "--pull=never --no-cache");
	strv_push(&f->img->build_args, "A=b c");

	engine_build_argv(&argv, &f->conf, "/usr/bin/podman", f->img, &f->bi);

	assert_strv(&argv, "/usr/bin/podman", "--root", "/srv/storage",
	    "build", "--pull=never", "--no-cache",
	    "-f", "/work/tree/Dockerfile.worker",
	    "--build-arg", "WITH_OCR=false", "--build-arg", "A=b c",
	    "--build-arg", "GIT_SHA=" COMMIT,
	    "--build-arg", "BUILD_DATE=" DATE,
	    "--label", "GIT_SHA=" COMMIT,
	    "--label", "BUILD_DATE=" DATE,
	    "--label", "org.opencontainers.image.revision=" COMMIT,
	    "--label", "org.opencontainers.image.created=" DATE,
	    "-t", "fiskai-worker:1a2b3c4", "/work/tree", NULL);
	strv_clear(&argv);
}

static void
test_engine_build_argv_no_build_args(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	strv_clear(&f->img->build_args);

	engine_build_argv(&argv, &f->conf, "/usr/bin/docker", f->img, &f->bi);

	assert_int_equal(argv.n, 19);
	assert_string_equal(argv.v[4], "--build-arg");
	assert_string_equal(argv.v[5], "GIT_SHA=" COMMIT);
	strv_clear(&argv);
}

static void
test_engine_tag_argv_plain(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	engine_tag_argv(&argv, &f->conf, "/usr/bin/docker",
	    "fiskai-worker:1a2b3c4", "fiskai-worker:latest");

	assert_strv(&argv, "/usr/bin/docker", "tag", "fiskai-worker:1a2b3c4",
	    "fiskai-worker:latest", NULL);
	strv_clear(&argv);
}

static void
test_engine_tag_argv_options(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	strv_split(&f->conf.engine_options, "--root /srv/storage");

	engine_tag_argv(&argv, &f->conf, "/usr/bin/podman", "a:1", "b:2");

	assert_strv(&argv, "/usr/bin/podman", "--root", "/srv/storage",
	    "tag", "a:1", "b:2", NULL);
	strv_clear(&argv);
}

static void
test_compose_argv_down_without_project(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	free(f->conf.restart_dir);
	f->conf.restart_dir = xstrdup("/opt/Fiskai.Workers-2");

	compose_argv(&argv, &f->conf, "down");

	assert_strv(&argv, "docker", "compose", "-p", "fiskaiworkers-2", "-f",
	    "docker-compose.workers.yml", "down", NULL);
	strv_clear(&argv);
}

static void
test_compose_argv_up_with_project(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	free(f->conf.project);
	f->conf.project = xstrdup("fiskai");

	compose_argv(&argv, &f->conf, "up");

	assert_strv(&argv, "docker", "compose", "-p", "fiskai", "-f",
	    "docker-compose.workers.yml", "up", "-d", NULL);
	strv_clear(&argv);
}

static void
test_compose_argv_up_without_project(void **state)
{
	struct fixture *f = *state;
	struct strv argv = STRV_INIT;

	strv_clear(&f->conf.compose);
	strv_push(&f->conf.compose, "docker-compose");
	free(f->conf.restart_dir);
	f->conf.restart_dir = xstrdup("/srv/workers/");

	compose_argv(&argv, &f->conf, "up");

	assert_strv(&argv, "docker-compose", "-p", "workers", "-f",
	    "docker-compose.workers.yml", "up", "-d", NULL);
	strv_clear(&argv);
}

static void
test_engine_arch_name_table(void **state)
{
	static const char *const table[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" },
		{ "armv7l", "arm" }, { "i686", "386" }, { "i386", "386" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" }, { "mips64", "mips64" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_string_equal(engine_arch_name(table[i][0]),
		    table[i][1]);
}

static void
test_build_info_init_short_and_date(void **state)
{
	struct build_info bi;

	build_info_init(&bi, COMMIT, 1796312669, "/ctx");

	assert_string_equal(bi.short_id, "1a2b3c4");
	assert_string_equal(bi.date, DATE);
	assert_string_equal(bi.commit, COMMIT);
	assert_string_equal(bi.context, "/ctx");
}

static void
test_engine_init_missing_engine(void **state)
{
	struct fixture *f = *state;
	int ret;

	free(f->conf.engine);
	f->conf.engine = xstrdup("no-such-engine-pb");

	ret = engine_init(&f->e, &f->conf);

	assert_int_equal(ret, -1);
	assert_string_equal(log_last(),
	    "engine 'no-such-engine-pb' not found on " ENGINE_PATH);
}

static void
test_engine_init_full_path_not_executable(void **state)
{
	struct fixture *f = *state;
	int ret;

	assert_int_equal(chmod(f->standin, 0644), 0);

	ret = engine_init(&f->e, &f->conf);

	assert_int_equal(ret, -1);
	assert_non_null(strstr(log_last(), "engine '"));
	assert_non_null(strstr(log_last(), "not an executable file"));
}

static void
test_engine_init_ignores_caller_path(void **state)
{
	struct fixture *f = *state;
	char *saved = xstrdup(getenv("PATH") ? getenv("PATH") : "");
	int ret;

	free(f->conf.engine);
	f->conf.engine = xstrdup("sh");
	setenv("PATH", "/nonexistent", 1);

	ret = engine_init(&f->e, &f->conf);
	setenv("PATH", saved, 1);

	assert_int_equal(ret, 0);
	assert_true(strcmp(f->e.path, "/usr/bin/sh") == 0 ||
	    strcmp(f->e.path, "/bin/sh") == 0);
	free(saved);
}

static void
test_engine_init_env_exact(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwuid(geteuid());
	char *home = xasprintf("HOME=%s", pw != NULL ? pw->pw_dir : "/");

	strv_split(&f->conf.pass_env, "PB_TEST_SET PB_TEST_UNSET PATH");
	setenv("PB_TEST_SET", "a value", 1);
	unsetenv("PB_TEST_UNSET");
	setenv("PB_TEST_OTHER", "not passed", 1);

	assert_int_equal(engine_init(&f->e, &f->conf), 0);

	assert_strv(&f->e.env, "PATH=" ENGINE_PATH, home, "LC_ALL=C",
	    "PB_TEST_SET=a value", NULL);
	assert_string_equal(f->e.path, f->standin);
	free(home);
}

static void
test_engine_build_records_argv(void **state)
{
	struct fixture *f = *state;
	struct strv want = STRV_INIT;
	char *args, *joined = xstrdup("");
	bool permanent = true;
	size_t i;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	engine_build_argv(&want, &f->conf, f->e.path, f->img, &f->bi);
	for (i = 1; i < want.n; i++) {
		char *next = xasprintf("%s%s\n", joined, want.v[i]);

		free(joined);
		joined = next;
	}

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), 0);

	assert_false(permanent);
	args = slurp(f, "args");
	assert_string_equal(args, joined);
	free(args);
	free(joined);
	strv_clear(&want);
}

static void
test_engine_build_output_to_log(void **state)
{
	struct fixture *f = *state;
	char *path = xasprintf("%s/job.log", f->dir), *text;
	bool permanent;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	f->e.log_fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(f->e.log_fd >= 0);

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), 0);
	close(f->e.log_fd);

	text = slurp(f, "job.log");
	assert_string_equal(text, "standin output\n");
	free(text);
	free(path);
}

static void
test_engine_build_exit_status_transient(void **state)
{
	struct fixture *f = *state;
	bool permanent = true;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	set_mode(f, "fail");

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), -1);

	assert_false(permanent);
	assert_string_equal(log_last(), "build of image 'base' "
	    "(fiskai-worker) failed: exit status 1: step 3/9: failed");
}

static void
test_engine_build_exec_format_permanent(void **state)
{
	struct fixture *f = *state;
	bool permanent = false;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	set_mode(f, "execfmt");

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), -1);

	assert_true(permanent);
	assert_string_equal(log_last(), "build of image 'base' "
	    "(fiskai-worker) failed: exec format error "
	    "(image for another architecture?)");
}

static void
test_engine_build_timeout_kills_group(void **state)
{
	struct fixture *f = *state;
	bool permanent = true;
	double t0;
	char *pid;

	f->conf.timeout = 1;
	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	set_mode(f, "sleep");
	t0 = now_s();

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), -1);

	assert_true(now_s() - t0 < 5);
	assert_false(permanent);
	assert_string_equal(log_last(), "build of image 'base' "
	    "(fiskai-worker): timeout after 1 s");
	pid = slurp(f, "sleeppid");
	assert_true(pid_gone((pid_t)atol(pid)));
	free(pid);
}

static void
test_engine_build_missing_engine(void **state)
{
	struct fixture *f = *state;
	bool permanent = true;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	assert_int_equal(unlink(f->standin), 0);

	assert_int_equal(engine_build(&f->e, f->img, &f->bi, &permanent), -1);

	assert_false(permanent);
	assert_non_null(strstr(log_last(), "No such file or directory"));
}

static void
test_engine_tag_failure(void **state)
{
	struct fixture *f = *state;
	char *args;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	set_mode(f, "fail");

	assert_int_equal(engine_tag(&f->e, "a:1", "a:latest"), -1);

	assert_string_equal(log_last(),
	    "tag 'a:1' as 'a:latest' failed: exit status 1: step 3/9: failed");
	args = slurp(f, "args");
	assert_string_equal(args, "tag\na:1\na:latest\n");
	free(args);
}

static void
test_engine_image_arch_trimmed(void **state)
{
	struct fixture *f = *state;
	char arch[32], *args;

	assert_int_equal(engine_init(&f->e, &f->conf), 0);

	assert_int_equal(engine_image_arch(&f->e, "fiskai-worker:1a2b3c4",
	    arch, sizeof(arch)), 0);

	assert_string_equal(arch, "amd64");
	args = slurp(f, "args");
	assert_string_equal(args, "image\ninspect\n--format\n"
	    "{{.Architecture}}\nfiskai-worker:1a2b3c4\n");
	free(args);
}

static void
test_engine_restart_down_then_up(void **state)
{
	struct fixture *f = *state;
	char real[PATH_MAX], *args, *env, *want;

	assert_non_null(realpath(f->dir, real));
	strv_clear(&f->conf.compose);
	strv_push(&f->conf.compose, f->standin);
	strv_push(&f->conf.compose, "compose");
	free(f->conf.project);
	f->conf.project = xstrdup("fiskai");
	assert_int_equal(engine_init(&f->e, &f->conf), 0);

	assert_int_equal(engine_restart(&f->e, &f->bi), 0);

	args = slurp(f, "args");
	assert_string_equal(args, "compose\n-p\nfiskai\n-f\n"
	    "docker-compose.workers.yml\ndown\ncompose\n-p\nfiskai\n-f\n"
	    "docker-compose.workers.yml\nup\n-d\n");
	env = slurp(f, "env");
	want = xasprintf("IMAGE_TAG=1a2b3c4 EXPECTED_GIT_SHA=%s PWD=%s\n"
	    "IMAGE_TAG=1a2b3c4 EXPECTED_GIT_SHA=%s PWD=%s\n", COMMIT, real,
	    COMMIT, real);
	assert_string_equal(env, want);
	free(args);
	free(env);
	free(want);
}

static void
test_engine_restart_down_fails(void **state)
{
	struct fixture *f = *state;
	char *args, *want;

	strv_clear(&f->conf.compose);
	strv_push(&f->conf.compose, f->standin);
	free(f->conf.project);
	f->conf.project = xstrdup("fiskai");
	assert_int_equal(engine_init(&f->e, &f->conf), 0);
	set_mode(f, "fail");

	assert_int_equal(engine_restart(&f->e, &f->bi), -1);

	want = xasprintf("compose down in '%s' failed: exit status 1: "
	    "step 3/9: failed", f->dir);
	assert_string_equal(log_last(), want);
	args = slurp(f, "args");
	assert_string_equal(args,
	    "-p\nfiskai\n-f\ndocker-compose.workers.yml\ndown\n");
	free(args);
	free(want);
}

/* A bare mirror in the test directory with one commit: a Dockerfile. */
static void
make_mirror(struct fixture *f)
{
	static const char df[] = "FROM scratch\n";
	char *path = xasprintf("%s/mirror.git", f->dir);
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	git_oid blob, tree_id, commit;

	assert_int_equal(git_repository_init(&f->repo, path, 1), 0);
	assert_int_equal(git_blob_create_from_buffer(&blob, f->repo, df,
	    sizeof(df) - 1), 0);
	assert_int_equal(git_treebuilder_new(&tb, f->repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "Dockerfile.worker",
	    &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, f->repo, &tree_id), 0);
	assert_int_equal(git_signature_new(&sig, "t", "t@example.org",
	    1796312669, 0), 0);
	assert_int_equal(git_commit_create_v(&commit, f->repo, "HEAD", sig,
	    sig, NULL, "init", tree, 0), 0);
	git_oid_tostr(f->commit, sizeof(f->commit), &commit);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
	free(path);
}

/* Run build_commit for the fixture's commit as job "job1". */
static enum build_status
build_job(struct fixture *f, const struct strv *images, bool restart)
{
	struct build_request req = { .commit = f->commit, .name = "job1",
	    .images = images, .restart = restart, .log_fd = -1 };
	char *path = xasprintf("%s/job.log", f->dir);
	enum build_status st;

	req.log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	assert_true(req.log_fd >= 0);
	make_mirror(f);
	st = build_commit(&f->conf, f->repo, &req);
	assert_int_equal(close(req.log_fd), 0);
	free(path);
	return st;
}

/* True when the job's work directory is gone. */
static bool
workdir_gone(struct fixture *f)
{
	char *path = xasprintf("%s/work/job1", f->dir);
	bool gone = access(path, F_OK) < 0 && errno == ENOENT;

	free(path);
	return gone;
}

static void
test_build_commit_tags_after_all_builds(void **state)
{
	struct fixture *f = *state;
	char *args, *log, *want, *tags;

	assert_int_equal(build_job(f, NULL, false), BUILD_OK);

	args = slurp(f, "args");
	tags = strstr(args, "tag\n");
	assert_non_null(tags);
	assert_null(strstr(tags, "build\n"));
	want = xasprintf("tag\nfiskai-worker:%.7s\nfiskai-worker:latest\n"
	    "tag\nfiskai-worker:%.7s\nfiskai-worker-orchestrator:latest\n"
	    "tag\nfiskai-worker:%.7s\nfiskai-worker-sentinel:latest\n"
	    "tag\nfiskai-worker-ocr:%.7s\nfiskai-worker-ocr:latest\n",
	    f->commit, f->commit, f->commit, f->commit);
	assert_string_equal(tags, want);
	log = slurp(f, "job.log");
	assert_non_null(strstr(log, "pushbuild: build image 'ocr' "
	    "(fiskai-worker-ocr:"));
	assert_true(workdir_gone(f));
	free(args);
	free(log);
	free(want);
}

static void
test_build_commit_failed_build_moves_no_tag(void **state)
{
	struct fixture *f = *state;
	char *args, *log;

	set_mode(f, "failocr");

	assert_int_equal(build_job(f, NULL, false), BUILD_TRANSIENT);

	assert_string_equal(log_last(), "build of image 'ocr' "
	    "(fiskai-worker-ocr) failed: exit status 2");
	args = slurp(f, "args");
	assert_null(strstr(args, "\ntag\n"));
	log = slurp(f, "job.log");
	assert_non_null(strstr(log, "pushbuild: failed: build of image"));
	assert_true(workdir_gone(f));
	free(args);
	free(log);
}

static void
test_build_commit_arch_mismatch_permanent(void **state)
{
	struct fixture *f = *state;
	char *args, *want;

	free(f->conf.arch);
	f->conf.arch = xstrdup("aarch64");

	assert_int_equal(build_job(f, NULL, false), BUILD_PERMANENT);

	want = xasprintf("image fiskai-worker:%.7s is amd64, host needs arm64",
	    f->commit);
	assert_string_equal(log_last(), want);
	args = slurp(f, "args");
	assert_null(strstr(args, "\ntag\n"));
	assert_true(workdir_gone(f));
	free(args);
	free(want);
}

static void
test_build_commit_unknown_image_permanent(void **state)
{
	struct fixture *f = *state;
	struct strv images = STRV_INIT;
	char *args = xasprintf("%s/args", f->dir);

	strv_push(&images, "nope");

	assert_int_equal(build_job(f, &images, false), BUILD_PERMANENT);

	assert_non_null(strstr(log_last(), "select image 'nope'"));
	assert_int_equal(access(args, F_OK), -1);
	strv_clear(&images);
	free(args);
}

static void
test_build_commit_selected_image_only(void **state)
{
	struct fixture *f = *state;
	struct strv images = STRV_INIT;
	char *args;

	strv_push(&images, "ocr");

	assert_int_equal(build_job(f, &images, false), BUILD_OK);

	args = slurp(f, "args");
	assert_non_null(strstr(args, "WITH_OCR=true\n"));
	assert_null(strstr(args, "WITH_OCR=false\n"));
	assert_null(strstr(args, "fiskai-worker-orchestrator:latest"));
	strv_clear(&images);
	free(args);
}

static void
test_build_commit_missing_commit_permanent(void **state)
{
	struct fixture *f = *state;
	struct build_request req = { .commit = "", .name = "job1",
	    .log_fd = -1 };

	make_mirror(f);
	req.commit = "ffffffffffffffffffffffffffffffffffffffff";

	assert_int_equal(build_commit(&f->conf, f->repo, &req),
	    BUILD_PERMANENT);

	assert_true(workdir_gone(f));
}

static void
test_build_commit_restart_after_tags(void **state)
{
	struct fixture *f = *state;
	char *args;

	f->conf.restart = true;
	free(f->conf.project);
	f->conf.project = xstrdup("fiskai");
	strv_clear(&f->conf.compose);
	strv_push(&f->conf.compose, f->standin);

	assert_int_equal(build_job(f, NULL, true), BUILD_OK);

	args = slurp(f, "args");
	assert_non_null(strstr(args, "fiskai-worker-ocr:latest\n"
	    "-p\nfiskai\n-f\ndocker-compose.workers.yml\ndown\n"
	    "-p\nfiskai\n-f\ndocker-compose.workers.yml\nup\n-d\n"
	    "-p\nfiskai\n-f\ndocker-compose.workers.yml\nps\n-q\n"
	    "container\ninspect\n"));
	free(args);
}

static void
test_build_commit_stale_worker_is_permanent(void **state)
{
	struct fixture *f = *state;
	char *want;

	f->conf.restart = true;
	strv_clear(&f->conf.compose);
	strv_push(&f->conf.compose, f->standin);
	put(f, "sha", COMMIT);

	assert_int_equal(build_job(f, NULL, true), BUILD_PERMANENT);

	want = xasprintf("worker container 0123456789ab runs %s, not the "
	    "built commit %s", COMMIT, f->commit);
	assert_string_equal(log_last(), want);
	free(want);
}

static void
test_build_commit_restart_not_requested(void **state)
{
	struct fixture *f = *state;
	char *args;

	f->conf.restart = true;

	assert_int_equal(build_job(f, NULL, false), BUILD_OK);

	args = slurp(f, "args");
	assert_null(strstr(args, "docker-compose.workers.yml"));
	free(args);
}

static void
test_build_commit_publish_after_tags(void **state)
{
	struct fixture *f = *state;
	char *args, *want;

	free(f->conf.registry);
	f->conf.registry = xstrdup("127.0.0.1:5000/fisk");
	strv_push(&f->conf.push_options, "--tls-verify=false");

	assert_int_equal(build_job(f, NULL, false), BUILD_OK);

	args = slurp(f, "args");
	want = xasprintf("fiskai-worker-ocr:latest\n"
	    "tag\nfiskai-worker:%.7s\n127.0.0.1:5000/fisk/fiskai-worker:%.7s\n"
	    "push\n--tls-verify=false\n"
	    "127.0.0.1:5000/fisk/fiskai-worker:%.7s\n", f->commit, f->commit,
	    f->commit);
	assert_non_null(strstr(args, want));
	assert_non_null(strstr(args, "push\n--tls-verify=false\n"
	    "127.0.0.1:5000/fisk/fiskai-worker-orchestrator:latest\n"));
	free(want);
	free(args);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_engine_build_argv_plain),
		T(test_engine_build_argv_options),
		T(test_engine_build_argv_no_build_args),
		T(test_engine_tag_argv_plain),
		T(test_engine_tag_argv_options),
		T(test_compose_argv_down_without_project),
		T(test_compose_argv_up_with_project),
		T(test_compose_argv_up_without_project),
		cmocka_unit_test(test_engine_arch_name_table),
		cmocka_unit_test(test_build_info_init_short_and_date),
		T(test_engine_init_missing_engine),
		T(test_engine_init_full_path_not_executable),
		T(test_engine_init_ignores_caller_path),
		T(test_engine_init_env_exact),
		T(test_engine_build_records_argv),
		T(test_engine_build_output_to_log),
		T(test_engine_build_exit_status_transient),
		T(test_engine_build_exec_format_permanent),
		T(test_engine_build_timeout_kills_group),
		T(test_engine_build_missing_engine),
		T(test_engine_tag_failure),
		T(test_engine_image_arch_trimmed),
		T(test_engine_restart_down_then_up),
		T(test_engine_restart_down_fails),
		T(test_build_commit_tags_after_all_builds),
		T(test_build_commit_failed_build_moves_no_tag),
		T(test_build_commit_arch_mismatch_permanent),
		T(test_build_commit_unknown_image_permanent),
		T(test_build_commit_selected_image_only),
		T(test_build_commit_missing_commit_permanent),
		T(test_build_commit_restart_after_tags),
		T(test_build_commit_stale_worker_is_permanent),
		T(test_build_commit_restart_not_requested),
		T(test_build_commit_publish_after_tags),
	};
	int ret;

	git_libgit2_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return ret;
}
