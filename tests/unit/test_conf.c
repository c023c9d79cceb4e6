/*
 * test_conf.c - the INI loader: every key read, every default right, every
 * bad file refused whole with one "path:line: problem" message on stderr,
 * and etc/pushbuild.ini proven to document the defaults.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

/* Keys documented in etc/pushbuild.ini: 24 plain, 3 per default image. */
#define EXAMPLE_SETTINGS (24 + 2 * 3)

struct fixture {
	char	dir[64];
	char	path[128];	/* the config file of a test */
	char	err[4096];	/* what conf_load() printed */
};

static const char full_file[] =
    "[repository]\n"
    "path = /srv/git/FiskAI.git\n"
    "refs = refs/heads/main refs/tags/v*\n"
    "trust_owner = yes\n"
    "\n"
    "[spool]\n"
    "dir = /srv/spool\n"
    "\n"
    "[builder]\n"
    "arch = aarch64\n"
    "engine = /usr/bin/podman\n"
    "engine_options = --root /x --storage-driver vfs\n"
    "build_options = --isolation chroot\n"
    "workdir = /srv/work\n"
    "dockerfile = docker/Dockerfile.worker\n"
    "timeout = 60\n"
    "worker_prefix = registry.example/w-\n"
    "pass_env = HTTP_PROXY NO_PROXY\n"
    "\n"
    "[image main]\n"
    "repository = registry.example/app\n"
    "build_args = A=1 B=\n"
    "workers = web job.runner\n"
    "\n"
    "[image extra]\n"
    "repository = app-extra\n"
    "\n"
    "[restart]\n"
    "enabled = on\n"
    "directory = /opt/w\n"
    "compose_file = compose.yml\n"
    "compose = podman-compose\n"
    "project = fisk_ai-1\n"
    "\n"
    "[retry]\n"
    "max_attempts = 3\n"
    "backoff = 10 ; an inline comment\n"
    "backoff_max = 10\n"
    "\n"
    "[metrics]\n"
    "textfile = /var/lib/node_exporter/textfile/pushbuild.prom\n"
    "\n"
    "[publish]\n"
    "registry = registry.example:5000/fiskai\n"
    "push_options = --tls-verify=false\n";

static int
setup(void **state)
{
	struct fixture *f;

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_conf.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/pushbuild.ini", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	r = remove_tree(f->dir);
	free(f);
	return r;
}

/* Write len bytes of text to path. */
static void
write_bytes(const char *path, const char *text, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, len), 0);
	assert_int_equal(close(fd), 0);
}

/* Write the string text to path. */
static void
write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/* conf_load(), with what it prints on stderr kept in f->err. */
static int
load_capture(struct fixture *f, struct conf *cf, const char *path)
{
	char errpath[128];
	int fd, saved, r;
	ssize_t n;

	snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
	fd = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);

	r = conf_load(cf, path);

	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, f->err, sizeof(f->err) - 1);
	assert_true(n >= 0);
	f->err[n] = '\0';
	close(fd);
	return r;
}

/* Assert that *cf is all zero, as a failed load leaves it. */
static void
assert_conf_empty(const struct conf *cf)
{
	static const struct conf zero;

	assert_memory_equal(cf, &zero, sizeof(zero));
}

/*
 * Load text and assert that it fails whole, printing exactly one line
 * "pushbuild: PATH:LINE: PROBLEM".
 */
static void
assert_load_fails(struct fixture *f, const char *text, int line,
    const char *problem)
{
	struct conf cf;
	char want[2048];
	int r;

	write_text(f->path, text);
	snprintf(want, sizeof(want), "pushbuild: %s:%d: %s\n", f->path, line,
	    problem);

	r = load_capture(f, &cf, f->path);

	assert_int_equal(r, -1);
	assert_conf_empty(&cf);
	assert_string_equal(f->err, want);
}

/* Load text, asserting success and silence. */
static void
load_ok(struct fixture *f, struct conf *cf, const char *text)
{
	write_text(f->path, text);
	assert_int_equal(load_capture(f, cf, f->path), 0);
	assert_string_equal(f->err, "");
}

/* Assert that sv holds exactly the words of want. */
static void
assert_words(const struct strv *sv, const char *want)
{
	struct strv w = STRV_INIT;
	size_t i;

	strv_split(&w, want);
	assert_int_equal(sv->n, w.n);
	for (i = 0; i < w.n; i++)
		assert_string_equal(sv->v[i], w.v[i]);
	assert_null(sv->v == NULL ? NULL : sv->v[sv->n]);
	strv_clear(&w);
}

/* Assert that one image of a and b are equal. */
static void
assert_image_equal(const struct conf_image *a, const struct conf_image *b)
{
	size_t i;

	assert_string_equal(a->name, b->name);
	assert_string_equal(a->repository, b->repository);
	assert_int_equal(a->build_args.n, b->build_args.n);
	for (i = 0; i < a->build_args.n; i++)
		assert_string_equal(a->build_args.v[i], b->build_args.v[i]);
	assert_int_equal(a->workers.n, b->workers.n);
	for (i = 0; i < a->workers.n; i++)
		assert_string_equal(a->workers.v[i], b->workers.v[i]);
}

/* Assert that the word vectors a and b are equal. */
static void
assert_strv_equal(const struct strv *a, const struct strv *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

/* Assert that every value of a and b is equal (the path aside). */
static void
assert_conf_equal(const struct conf *a, const struct conf *b)
{
	unsigned i;

	assert_string_equal(a->repo_path, b->repo_path);
	assert_strv_equal(&a->refs, &b->refs);
	assert_int_equal(a->trust_owner, b->trust_owner);
	assert_string_equal(a->spool_dir, b->spool_dir);
	assert_string_equal(a->arch, b->arch);
	assert_string_equal(a->engine, b->engine);
	assert_strv_equal(&a->engine_options, &b->engine_options);
	assert_strv_equal(&a->build_options, &b->build_options);
	assert_string_equal(a->workdir, b->workdir);
	assert_string_equal(a->dockerfile, b->dockerfile);
	assert_int_equal(a->timeout, b->timeout);
	assert_string_equal(a->worker_prefix, b->worker_prefix);
	assert_strv_equal(&a->pass_env, &b->pass_env);
	assert_int_equal(a->nimages, b->nimages);
	for (i = 0; i < a->nimages; i++)
		assert_image_equal(&a->images[i], &b->images[i]);
	assert_int_equal(a->restart, b->restart);
	assert_string_equal(a->restart_dir, b->restart_dir);
	assert_string_equal(a->compose_file, b->compose_file);
	assert_strv_equal(&a->compose, &b->compose);
	assert_string_equal(a->project, b->project);
	assert_int_equal(a->max_attempts, b->max_attempts);
	assert_int_equal(a->backoff, b->backoff);
	assert_int_equal(a->backoff_max, b->backoff_max);
	assert_string_equal(a->metrics_textfile, b->metrics_textfile);
	assert_string_equal(a->registry, b->registry);
	assert_strv_equal(&a->push_options, &b->push_options);
}

static void
test_conf_load_full_repository_spool(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, full_file);

	assert_string_equal(cf.path, ((struct fixture *)*state)->path);
	assert_string_equal(cf.repo_path, "/srv/git/FiskAI.git");
	assert_words(&cf.refs, "refs/heads/main refs/tags/v*");
	assert_true(cf.trust_owner);
	assert_string_equal(cf.spool_dir, "/srv/spool");
	conf_release(&cf);
}

static void
test_conf_load_full_builder(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, full_file);

	assert_string_equal(cf.arch, "aarch64");
	assert_string_equal(cf.engine, "/usr/bin/podman");
	assert_words(&cf.engine_options, "--root /x --storage-driver vfs");
	assert_words(&cf.build_options, "--isolation chroot");
	assert_string_equal(cf.workdir, "/srv/work");
	assert_string_equal(cf.dockerfile, "docker/Dockerfile.worker");
	assert_int_equal(cf.timeout, 60);
	assert_string_equal(cf.worker_prefix, "registry.example/w-");
	assert_words(&cf.pass_env, "HTTP_PROXY NO_PROXY");
	conf_release(&cf);
}

static void
test_conf_load_full_images(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, full_file);

	assert_int_equal(cf.nimages, 2);
	assert_string_equal(cf.images[0].name, "main");
	assert_string_equal(cf.images[0].repository, "registry.example/app");
	assert_words(&cf.images[0].build_args, "A=1 B=");
	assert_words(&cf.images[0].workers, "web job.runner");
	assert_string_equal(cf.images[1].name, "extra");
	assert_string_equal(cf.images[1].repository, "app-extra");
	assert_words(&cf.images[1].build_args, "");
	assert_words(&cf.images[1].workers, "");
	conf_release(&cf);
}

static void
test_conf_load_full_restart_retry(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, full_file);

	assert_true(cf.restart);
	assert_string_equal(cf.restart_dir, "/opt/w");
	assert_string_equal(cf.compose_file, "compose.yml");
	assert_words(&cf.compose, "podman-compose");
	assert_string_equal(cf.project, "fisk_ai-1");
	assert_int_equal(cf.max_attempts, 3);
	assert_int_equal(cf.backoff, 10);
	assert_int_equal(cf.backoff_max, 10);
	assert_string_equal(cf.metrics_textfile,
	    "/var/lib/node_exporter/textfile/pushbuild.prom");
	assert_string_equal(cf.registry, "registry.example:5000/fiskai");
	assert_int_equal(cf.push_options.n, 1);
	assert_string_equal(cf.push_options.v[0], "--tls-verify=false");
	conf_release(&cf);
}

static void
test_conf_load_empty_file_defaults(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "");

	assert_string_equal(cf.repo_path, "/srv/git/app.git");
	assert_words(&cf.refs, "refs/heads/main");
	assert_false(cf.trust_owner);
	assert_string_equal(cf.spool_dir, "/var/spool/pushbuild");
	assert_string_equal(cf.arch, "x86_64");
	assert_string_equal(cf.engine, "docker");
	assert_words(&cf.engine_options, "");
	assert_words(&cf.build_options, "");
	assert_string_equal(cf.workdir, "/var/lib/pushbuild");
	assert_string_equal(cf.dockerfile, "Dockerfile.worker");
	assert_int_equal(cf.timeout, 3600);
	assert_string_equal(cf.worker_prefix, "fiskai-worker-");
	assert_words(&cf.pass_env, "");
	assert_false(cf.restart);
	assert_string_equal(cf.restart_dir, "/opt/fiskai-workers");
	assert_string_equal(cf.compose_file, "docker-compose.workers.yml");
	assert_words(&cf.compose, "docker compose");
	assert_string_equal(cf.metrics_textfile, "");
	assert_string_equal(cf.registry, "");
	assert_int_equal(cf.push_options.n, 0);
	assert_string_equal(cf.project, "");
	assert_int_equal(cf.max_attempts, 5);
	assert_int_equal(cf.backoff, 300);
	assert_int_equal(cf.backoff_max, 3600);
	conf_release(&cf);
}

static void
test_conf_load_empty_file_default_images(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "");

	assert_int_equal(cf.nimages, 2);
	assert_string_equal(cf.images[0].name, "base");
	assert_string_equal(cf.images[0].repository, "fiskai-worker");
	assert_words(&cf.images[0].build_args, "WITH_OCR=false");
	assert_words(&cf.images[0].workers,
	    "orchestrator sentinel extractor composer");
	assert_string_equal(cf.images[1].name, "ocr");
	assert_string_equal(cf.images[1].repository, "fiskai-worker-ocr");
	assert_words(&cf.images[1].build_args, "WITH_OCR=true");
	assert_words(&cf.images[1].workers, "ocr");
	conf_release(&cf);
}

static void
test_conf_load_image_section_replaces_defaults(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "[image solo]\nrepository = solo\n");

	assert_int_equal(cf.nimages, 1);
	assert_string_equal(cf.images[0].name, "solo");
	conf_release(&cf);
}

static void
test_conf_load_comments_and_blanks(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "# prose\n; ;x = 1\n\n   \n  ; indented\n"
	    "[builder] ; section comment\n\t# indented\narch = x86_64;amd\n");

	assert_string_equal(cf.arch, "x86_64;amd");
	conf_release(&cf);
}

static void
test_conf_load_bom_crlf_same_as_lf(void **state)
{
	struct fixture *f = *state;
	struct conf lf, crlf;

	load_ok(f, &lf, "[builder]\nengine = podman\ntimeout = 60 ; c\n"
	    "[image a]\nrepository = a\nworkers = x y\n");
	load_ok(f, &crlf, "\xef\xbb\xbf[builder]\r\nengine = podman\r\n"
	    "timeout = 60 ; c\r\n[image a]\r\nrepository = a\r\n"
	    "workers = x y\r\n");

	assert_conf_equal(&crlf, &lf);
	assert_string_equal(crlf.engine, "podman");
	assert_words(&crlf.images[0].workers, "x y");
	conf_release(&lf);
	conf_release(&crlf);
}

static void
test_conf_load_longest_line(void **state)
{
	struct conf cf;
	char text[CONF_LINE_MAX + 16];
	size_t n;

	n = snprintf(text, sizeof(text), "[builder]\npass_env = ");
	memset(text + n, 'A', CONF_LINE_MAX - 12);
	memcpy(text + n + CONF_LINE_MAX - 12, "\n", 2);

	load_ok(*state, &cf, text);

	assert_int_equal(strlen(cf.pass_env.v[0]), CONF_LINE_MAX - 12);
	conf_release(&cf);
}

static void
test_conf_load_line_too_long(void **state)
{
	char text[CONF_LINE_MAX + 16];
	size_t n;

	n = snprintf(text, sizeof(text), "[builder]\npass_env = ");
	memset(text + n, 'A', CONF_LINE_MAX - 11);
	memcpy(text + n + CONF_LINE_MAX - 11, "\n", 2);

	assert_load_fails(*state, text, 2, "line too long (max 1024 bytes)");
}

static void
test_conf_load_comment_too_long(void **state)
{
	char text[2 * CONF_LINE_MAX];

	memset(text, ';', sizeof(text) - 16);
	memcpy(text + sizeof(text) - 16, "\n[nope]\n", 9);

	assert_load_fails(*state, text, 1, "line too long (max 1024 bytes)");
}

static void
test_conf_load_continuation_line(void **state)
{
	assert_load_fails(*state, "[builder]\nengine_options = --root /x\n"
	    "  --storage-driver vfs\n", 3,
	    "continuation lines are not supported");
}

static void
test_conf_load_nul_byte(void **state)
{
	struct fixture *f = *state;
	struct conf cf;
	int r;

	write_bytes(f->path, "[builder]\narch = x\0y\n", 21);

	r = load_capture(f, &cf, f->path);

	assert_int_equal(r, -1);
	assert_conf_empty(&cf);
	assert_non_null(strstr(f->err, ":2: line contains a NUL byte\n"));
}

static void
test_conf_load_unknown_section(void **state)
{
	assert_load_fails(*state, "[repository]\npath = /a\n[bulider]\n", 3,
	    "unknown section [bulider]");
}

static void
test_conf_load_unknown_key(void **state)
{
	assert_load_fails(*state, "[builder]\nenigne = podman\n", 2,
	    "unknown key 'enigne' in section [builder]");
}

static void
test_conf_load_unknown_image_key(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\ntag = x\n", 3,
	    "unknown key 'tag' in section [image a]");
}

static void
test_conf_load_duplicate_key(void **state)
{
	assert_load_fails(*state, "[builder]\nengine = docker\n"
	    "engine = podman\n", 3,
	    "duplicate key 'engine' in section [builder] (first on line 2)");
}

static void
test_conf_load_duplicate_image_key(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\nworkers = x\n"
	    "workers = y\n", 4,
	    "duplicate key 'workers' in section [image a] (first on line 3)");
}

static void
test_conf_load_same_key_in_two_images(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "[image a]\nrepository = a\n"
	    "[image b]\nrepository = b\n");

	assert_string_equal(conf_image(&cf, "b")->repository, "b");
	conf_release(&cf);
}

static void
test_conf_load_duplicate_section(void **state)
{
	assert_load_fails(*state, "[spool]\n[builder]\n[spool]\n", 3,
	    "duplicate section [spool] (first on line 1)");
}

static void
test_conf_load_duplicate_image(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\n[image a]\n"
	    "repository = b\n", 3, "duplicate section [image a]");
}

static void
test_conf_load_bad_bool(void **state)
{
	assert_load_fails(*state, "[restart]\nenabled = maybe\n", 2,
	    "invalid boolean 'maybe' for key 'enabled': "
	    "expected yes/no, true/false, on/off or 1/0");
}

static void
test_conf_load_engine_arch_name_refused(void **state)
{
	assert_load_fails(*state, "[builder]\narch = arm64\n", 2,
	    "invalid value 'arm64' for key 'arch': give the uname -m name "
	    "('aarch64')");
}

static void
test_conf_load_bool_words(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "[repository]\ntrust_owner = TRUE\n"
	    "[restart]\nenabled = 1\n");

	assert_true(cf.trust_owner);
	assert_true(cf.restart);
	conf_release(&cf);
}

static void
test_conf_load_bad_int(void **state)
{
	assert_load_fails(*state, "[builder]\ntimeout = 60s\n", 2,
	    "invalid number '60s' for key 'timeout': expected a whole number");
}

static void
test_conf_load_negative_int(void **state)
{
	assert_load_fails(*state, "[retry]\nbackoff = -1\n", 2,
	    "invalid number '-1' for key 'backoff': expected a whole number");
}

static void
test_conf_load_int_out_of_range(void **state)
{
	assert_load_fails(*state, "[builder]\ntimeout = 0\n", 2,
	    "invalid number '0' for key 'timeout': out of range 1..604800");
}

static void
test_conf_load_int_overflow(void **state)
{
	assert_load_fails(*state, "[retry]\nmax_attempts = "
	    "99999999999999999999999\n", 2,
	    "invalid number '99999999999999999999999' for key "
	    "'max_attempts': out of range 1..1000");
}

static void
test_conf_load_backoff_max_below_backoff(void **state)
{
	assert_load_fails(*state, "[retry]\nbackoff = 7200\n", 2,
	    "backoff_max 3600 is less than backoff 7200 in section [retry]");
}

static void
test_conf_load_missing_image_repository(void **state)
{
	assert_load_fails(*state, "[image base]\nworkers = a\n\n[retry]\n", 1,
	    "missing key 'repository' in section [image base]");
}

static void
test_conf_load_missing_repository_last_image(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\n[image b]\n", 3,
	    "missing key 'repository' in section [image b]");
}

static void
test_conf_load_bad_image_name(void **state)
{
	assert_load_fails(*state, "[image Base]\nrepository = a\n", 1,
	    "invalid image name 'Base' in section header: "
	    "expected [a-z0-9_-]+");
}

static void
test_conf_load_image_without_name(void **state)
{
	assert_load_fails(*state, "[image]\nrepository = a\n", 1,
	    "section [image] needs a name: [image NAME]");
}

static void
test_conf_load_bad_repository(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = fisk..ai\n", 2,
	    "invalid repository 'fisk..ai' for key 'repository': not an "
	    "image name (lowercase [a-z0-9] parts joined by '.', '_', '__', "
	    "'-' or '/')");
}

static void
test_conf_load_uppercase_repository(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = Fisk/ai\n", 2,
	    "invalid repository 'Fisk/ai' for key 'repository': not an "
	    "image name (lowercase [a-z0-9] parts joined by '.', '_', '__', "
	    "'-' or '/')");
}

static void
test_conf_load_bad_build_arg(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\n"
	    "build_args = A=1 WITH_OCR\n", 3,
	    "invalid build argument 'WITH_OCR' for key 'build_args': "
	    "expected KEY=VALUE, KEY [A-Za-z_][A-Za-z0-9_]*");
}

static void
test_conf_load_bad_worker_type(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\n"
	    "workers = ok _bad\n", 3,
	    "invalid worker type '_bad' for key 'workers': "
	    "expected [a-z0-9][a-z0-9_.-]*");
}

static void
test_conf_load_bad_worker_tag(void **state)
{
	assert_load_fails(*state, "[image a]\nrepository = a\n"
	    "workers = x._y\n", 3, "invalid worker tag 'fiskai-worker-x._y' "
	    "of section [image a]: not an image name");
}

static void
test_conf_load_bad_worker_prefix(void **state)
{
	assert_load_fails(*state, "\n[builder]\nworker_prefix = Fisk-\n", 3,
	    "invalid worker tag 'Fisk-orchestrator' of section [image base]: "
	    "not an image name");
}

static void
test_conf_load_dockerfile_dotdot(void **state)
{
	assert_load_fails(*state, "[builder]\ndockerfile = a/../../x\n", 2,
	    "invalid path 'a/../../x' for key 'dockerfile': "
	    "must be relative to the tree, as git names it (no leading '/', "
	    "'./', '..' or '//')");
}

static void
test_conf_load_dockerfile_dot_and_empty_parts(void **state)
{
	assert_load_fails(*state, "[builder]\ndockerfile = ./Dockerfile\n", 2,
	    "invalid path './Dockerfile' for key 'dockerfile': "
	    "must be relative to the tree, as git names it (no leading '/', "
	    "'./', '..' or '//')");
	assert_load_fails(*state, "[builder]\ndockerfile = a//Dockerfile\n", 2,
	    "invalid path 'a//Dockerfile' for key 'dockerfile': "
	    "must be relative to the tree, as git names it (no leading '/', "
	    "'./', '..' or '//')");
}

static void
test_conf_load_bad_registry(void **state)
{
	assert_load_fails(*state, "[publish]\nregistry = Registry:5000/\n", 2,
	    "invalid registry 'Registry:5000/' for key 'registry': "
	    "expected host[:port][/path], lowercase");
}

static void
test_conf_load_tag_of_two_images(void **state)
{
	assert_load_fails(*state, "[image base]\nrepository = fiskai-worker\n"
	    "workers = orchestrator ocr\n[image ocr]\n"
	    "repository = fiskai-worker-ocr\nworkers = ocr\n", 6,
	    "tag 'fiskai-worker-ocr:latest' would belong to both "
	    "[image base] and [image ocr]");
}

static void
test_conf_load_dockerfile_absolute(void **state)
{
	assert_load_fails(*state, "[builder]\ndockerfile = /etc/x\n", 2,
	    "invalid path '/etc/x' for key 'dockerfile': "
	    "must be relative to the tree, as git names it (no leading '/', "
	    "'./', '..' or '//')");
}

static void
test_conf_load_relative_spool_dir(void **state)
{
	assert_load_fails(*state, "[spool]\ndir = spool\n", 2,
	    "invalid path 'spool' for key 'dir': not absolute");
}

static void
test_conf_load_relative_metrics_textfile(void **state)
{
	assert_load_fails(*state, "[metrics]\ntextfile = pushbuild.prom\n",
	    2, "invalid path 'pushbuild.prom' for key 'textfile': "
	    "not absolute");
}

static void
test_conf_load_empty_metrics_textfile(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "[metrics]\ntextfile =\n");

	assert_string_equal(cf.metrics_textfile, "");
	conf_release(&cf);
}

static void
test_conf_load_relative_engine_path(void **state)
{
	assert_load_fails(*state, "[builder]\nengine = bin/podman\n", 2,
	    "invalid engine 'bin/podman' for key 'engine': "
	    "expected a command name or an absolute path");
}

static void
test_conf_load_bad_ref_pattern(void **state)
{
	assert_load_fails(*state, "[repository]\nrefs = main\n", 2,
	    "invalid pattern 'main' for key 'refs': "
	    "does not start with 'refs/'");
}

static void
test_conf_load_bad_pass_env(void **state)
{
	assert_load_fails(*state, "[builder]\npass_env = PATH 1X\n", 2,
	    "invalid variable name '1X' for key 'pass_env': "
	    "expected [A-Za-z_][A-Za-z0-9_]*");
}

static void
test_conf_load_bad_project(void **state)
{
	assert_load_fails(*state, "[restart]\nproject = Fisk\n", 2,
	    "invalid project 'Fisk' for key 'project': "
	    "expected [a-z0-9][a-z0-9_-]*");
}

static void
test_conf_load_empty_value(void **state)
{
	assert_load_fails(*state, "[builder]\nengine =\n", 2,
	    "empty value for key 'engine' in section [builder]");
}

static void
test_conf_load_key_before_section(void **state)
{
	assert_load_fails(*state, "; top\npath = /a\n[repository]\n", 2,
	    "key 'path' before any section");
}

static void
test_conf_load_missing_bracket(void **state)
{
	assert_load_fails(*state, "[builder\n", 1,
	    "missing ']' in section header");
}

static void
test_conf_load_text_after_header(void **state)
{
	assert_load_fails(*state, "[builder] x\n", 1,
	    "unexpected text after section header");
}

static void
test_conf_load_no_equals(void **state)
{
	assert_load_fails(*state, "[builder]\nengine podman\n", 2,
	    "syntax error: expected 'key = value' or '[section]'");
}

static void
test_conf_load_inih_syntax_error_first(void **state)
{
	assert_load_fails(*state, "[builder]\narch ; = x\nbogus = 1\n", 2,
	    "syntax error: expected 'key = value' or '[section]'");
}

static void
test_conf_load_first_error_only(void **state)
{
	assert_load_fails(*state,
	    "[builder]\nenigne = a\n[nope]\ntimeout = x\n", 2,
	    "unknown key 'enigne' in section [builder]");
}

static void
test_conf_load_control_chars_escaped(void **state)
{
	assert_load_fails(*state, "[builder]\nk\033[2J = 1\n", 2,
	    "unknown key 'k\\x1b[2J' in section [builder]");
}

static void
test_conf_load_missing_file(void **state)
{
	struct fixture *f = *state;
	struct conf cf;
	char want[256];
	int r;

	snprintf(want, sizeof(want), "pushbuild: read config '%s': "
	    "No such file or directory\n", f->path);

	r = load_capture(f, &cf, f->path);

	assert_int_equal(r, -1);
	assert_conf_empty(&cf);
	assert_string_equal(f->err, want);
}

static void
test_conf_load_directory(void **state)
{
	struct fixture *f = *state;
	struct conf cf;
	char want[256];
	int r;

	snprintf(want, sizeof(want), "pushbuild: read config '%s': "
	    "not a regular file\n", f->dir);

	r = load_capture(f, &cf, f->dir);

	assert_int_equal(r, -1);
	assert_conf_empty(&cf);
	assert_string_equal(f->err, want);
}

static void
test_conf_load_fifo_does_not_block(void **state)
{
	struct fixture *f = *state;
	struct conf cf;
	char want[256];
	int r;

	assert_int_equal(mkfifo(f->path, 0600), 0);
	snprintf(want, sizeof(want), "pushbuild: read config '%s': "
	    "not a regular file\n", f->path);

	r = load_capture(f, &cf, f->path);

	assert_int_equal(r, -1);
	assert_conf_empty(&cf);
	assert_string_equal(f->err, want);
}

/*
 * In a child that is not root (root reads a mode 000 file all the same),
 * load path with stderr on fd errfd; exits 0 when the load failed and
 * left *cf empty.
 */
static void
load_as_nobody(const char *path, int errfd)
{
	static const struct conf zero;
	struct conf cf;

	if (geteuid() == 0 && (setgid(65534) == -1 || setuid(65534) == -1))
		_exit(2);
	if (dup2(errfd, 2) != 2)
		_exit(2);
	if (conf_load(&cf, path) != -1 || memcmp(&cf, &zero, sizeof(cf)) != 0)
		_exit(1);
	_exit(0);
}

static void
test_conf_load_unreadable(void **state)
{
	struct fixture *f = *state;
	char errpath[128], want[256];
	int errfd, status;
	ssize_t n;
	pid_t pid;

	write_text(f->path, "");
	assert_int_equal(chmod(f->path, 0), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
	errfd = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(errfd >= 0);
	snprintf(want, sizeof(want), "pushbuild: read config '%s': "
	    "Permission denied\n", f->path);

	fflush(stderr);
	if ((pid = fork()) == 0)
		load_as_nobody(f->path, errfd);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	n = pread(errfd, f->err, sizeof(f->err) - 1, 0);
	assert_true(n >= 0);
	f->err[n] = '\0';
	close(errfd);
	assert_string_equal(f->err, want);
}

static void
test_conf_release_then_load_again(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, full_file);
	conf_release(&cf);
	assert_conf_empty(&cf);

	load_ok(*state, &cf, "");

	assert_string_equal(cf.engine, "docker");
	conf_release(&cf);
	conf_release(&cf);
}

static void
test_conf_image_found_and_missing(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "");

	assert_string_equal(conf_image(&cf, "ocr")->repository,
	    "fiskai-worker-ocr");
	assert_null(conf_image(&cf, "nope"));
	conf_release(&cf);
}

static void
test_conf_ref_wanted_default(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "");

	assert_true(conf_ref_wanted(&cf, "refs/heads/main"));
	assert_false(conf_ref_wanted(&cf, "refs/heads/mainline"));
	assert_false(conf_ref_wanted(&cf, "refs/tags/main"));
	assert_false(conf_ref_wanted(&cf, "main"));
	conf_release(&cf);
}

static void
test_conf_ref_wanted_star_crosses_slash(void **state)
{
	struct conf cf;

	load_ok(*state, &cf, "[repository]\n"
	    "refs = refs/heads/release-* refs/tags/v[0-9]*\n");

	assert_true(conf_ref_wanted(&cf, "refs/heads/release-1"));
	assert_true(conf_ref_wanted(&cf, "refs/heads/release-x/y"));
	assert_true(conf_ref_wanted(&cf, "refs/tags/v2.0"));
	assert_false(conf_ref_wanted(&cf, "refs/tags/vx"));
	assert_false(conf_ref_wanted(&cf, "refs/heads/main"));
	conf_release(&cf);
}

/* The path of etc/pushbuild.ini in the source tree, from make check. */
static void
example_path(char *buf, size_t size)
{
	const char *top = getenv("top_srcdir");

	if (top == NULL)
		fail_msg("top_srcdir is not set: run through make check");
	snprintf(buf, size, "%s/etc/pushbuild.ini", top);
}

static void
test_conf_load_example_equals_defaults(void **state)
{
	struct fixture *f = *state;
	struct conf example, defaults;
	char path[4096];

	example_path(path, sizeof(path));
	load_ok(f, &defaults, "");

	assert_int_equal(load_capture(f, &example, path), 0);

	assert_string_equal(f->err, "");
	assert_conf_equal(&example, &defaults);
	conf_release(&example);
	conf_release(&defaults);
}

/*
 * Copy the example to path with each commented-out setting (";key" or
 * ";[image") enabled; returns the number of settings enabled.
 */
static int
uncomment_example(const char *example, const char *path)
{
	char line[CONF_LINE_MAX + 1];
	FILE *in, *out;
	int n = 0;

	in = fopen(example, "r");
	out = fopen(path, "w");
	assert_non_null(in);
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (line[0] == ';' && line[1] >= 'a' && line[1] <= 'z') {
			fputs(line + 1, out);
			n++;
		} else if (line[0] == ';' && line[1] == '[') {
			fputs(line + 1, out);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
	return n;
}

static void
test_conf_load_example_uncommented_equals_defaults(void **state)
{
	struct fixture *f = *state;
	struct conf example, defaults;
	char path[4096];
	int n;

	example_path(path, sizeof(path));
	load_ok(f, &defaults, "");
	n = uncomment_example(path, f->path);

	assert_int_equal(load_capture(f, &example, f->path), 0);

	assert_string_equal(f->err, "");
	assert_int_equal(n, EXAMPLE_SETTINGS);
	assert_conf_equal(&example, &defaults);
	conf_release(&example);
	conf_release(&defaults);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conf_load_full_repository_spool),
		T(test_conf_load_full_builder),
		T(test_conf_load_full_images),
		T(test_conf_load_full_restart_retry),
		T(test_conf_load_empty_file_defaults),
		T(test_conf_load_empty_file_default_images),
		T(test_conf_load_image_section_replaces_defaults),
		T(test_conf_load_comments_and_blanks),
		T(test_conf_load_bom_crlf_same_as_lf),
		T(test_conf_load_longest_line),
		T(test_conf_load_line_too_long),
		T(test_conf_load_comment_too_long),
		T(test_conf_load_continuation_line),
		T(test_conf_load_nul_byte),
		T(test_conf_load_unknown_section),
		T(test_conf_load_unknown_key),
		T(test_conf_load_unknown_image_key),
		T(test_conf_load_duplicate_key),
		T(test_conf_load_duplicate_image_key),
		T(test_conf_load_same_key_in_two_images),
		T(test_conf_load_duplicate_section),
		T(test_conf_load_duplicate_image),
		T(test_conf_load_bad_bool),
		T(test_conf_load_engine_arch_name_refused),
		T(test_conf_load_bool_words),
		T(test_conf_load_bad_int),
		T(test_conf_load_negative_int),
		T(test_conf_load_int_out_of_range),
		T(test_conf_load_int_overflow),
		T(test_conf_load_backoff_max_below_backoff),
		T(test_conf_load_missing_image_repository),
		T(test_conf_load_missing_repository_last_image),
		T(test_conf_load_bad_image_name),
		T(test_conf_load_image_without_name),
		T(test_conf_load_bad_repository),
		T(test_conf_load_uppercase_repository),
		T(test_conf_load_bad_build_arg),
		T(test_conf_load_bad_worker_type),
		T(test_conf_load_bad_worker_tag),
		T(test_conf_load_bad_worker_prefix),
		T(test_conf_load_dockerfile_dotdot),
		T(test_conf_load_dockerfile_dot_and_empty_parts),
		T(test_conf_load_tag_of_two_images),
		T(test_conf_load_bad_registry),
		T(test_conf_load_dockerfile_absolute),
		T(test_conf_load_relative_spool_dir),
		T(test_conf_load_relative_metrics_textfile),
		T(test_conf_load_empty_metrics_textfile),
		T(test_conf_load_relative_engine_path),
		T(test_conf_load_bad_ref_pattern),
		T(test_conf_load_bad_pass_env),
		T(test_conf_load_bad_project),
		T(test_conf_load_empty_value),
		T(test_conf_load_key_before_section),
		T(test_conf_load_missing_bracket),
		T(test_conf_load_text_after_header),
		T(test_conf_load_no_equals),
		T(test_conf_load_inih_syntax_error_first),
		T(test_conf_load_first_error_only),
		T(test_conf_load_control_chars_escaped),
		T(test_conf_load_missing_file),
		T(test_conf_load_directory),
		T(test_conf_load_fifo_does_not_block),
		T(test_conf_load_unreadable),
		T(test_conf_release_then_load_again),
		T(test_conf_image_found_and_missing),
		T(test_conf_ref_wanted_default),
		T(test_conf_ref_wanted_star_crosses_slash),
		T(test_conf_load_example_equals_defaults),
		T(test_conf_load_example_uncommented_equals_defaults),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
