/*
 * conf.c - load the INI file shared by the hook and the builder.
 *
 * inih does the splitting into sections, keys and values; this module
 * feeds it lines through its own reader and checks every value.  The
 * reader counts lines (so that each problem names file:line), refuses
 * lines longer than CONF_LINE_MAX, NUL bytes and indented lines (which
 * inih would silently join to the previous value), and tracks the section
 * headers itself: a section without keys never reaches inih's handler, and
 * [image NAME] sections must be seen to be counted and checked.
 *
 * Invariants: the file is parsed into a private struct conf that starts
 * with every default and is moved to the caller only when the whole file
 * was valid.  Every check runs; the problem on the lowest line is the one
 * reported, once.  Checks that need the whole file (a worker tag made of
 * worker_prefix and a type, backoff_max against backoff) run last, and
 * only on an otherwise valid file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

/* Longest wait or timeout accepted, in seconds: one week. */
#define CONF_SECONDS_MAX 604800

/* Most attempts of one job. */
#define CONF_ATTEMPTS_MAX 1000

/* Longest image name docker accepts, without the tag. */
#define CONF_IMAGE_NAME_MAX 255

/* Room for every key of the table below. */
#define CONF_NKEYS 32

enum conf_section {
	SEC_NONE,		/* before any header, or after a bad one */
	SEC_REPOSITORY,
	SEC_SPOOL,
	SEC_BUILDER,
	SEC_IMAGE,
	SEC_RESTART,
	SEC_RETRY,
	SEC_METRICS,
	SEC_PUBLISH,
	SEC_COUNT
};

/* Header names of the sections without a NAME, indexed by the enum. */
static const char *const conf_section_names[SEC_COUNT] = {
	NULL, "repository", "spool", "builder", NULL, "restart", "retry",
	"metrics", "publish"
};

/* Line numbers of the keys of one [image NAME] section, for later checks. */
struct conf_image_lines {
	int		 section;
	int		 key[CONF_NKEYS];
};

/* The state of one conf_load(): the reader's and the handler's. */
struct conf_parse {
	struct conf	 cf;		/* the result, moved out on success */
	const char	*path;
	FILE		*fp;
	int		 lineno;	/* of the line read last */
	bool		 eof;
	int		 read_errno;	/* nonzero after a read error */
	bool		 too_long;	/* the line read last was cut */
	bool		 nul;		/* it held a NUL byte */

	enum conf_section section;	/* the current section */
	char		 section_text[CONF_LINE_MAX]; /* its header */
	int		 section_line[SEC_COUNT];
	int		 key_line[CONF_NKEYS];	/* keys outside [image] */
	struct conf_image_lines *image_lines;	/* one per cf.images */

	bool		 failed;
	int		 err_line;	/* line of the reported problem */
	char		 err[LOG_MSG_MAX];
	char		 buf[CONF_LINE_MAX + 1];
};

struct conf_key;

/* Check value and store it in field; 0, or -1 after conf_fail(). */
typedef int conf_setter(struct conf_parse *, const struct conf_key *,
    void *, const char *);

struct conf_key {
	enum conf_section section;
	const char	*name;
	size_t		 off;		/* in struct conf, or conf_image */
	conf_setter	*set;
	bool		 may_be_empty;
	unsigned	 min, max;	/* for numbers */
};

static conf_setter conf_set_path, conf_set_patterns, conf_set_bool;
static conf_setter conf_set_word, conf_set_engine, conf_set_words;
static conf_setter conf_set_arch;
static conf_setter conf_set_dockerfile, conf_set_uint, conf_set_string;
static conf_setter conf_set_env_names, conf_set_repository;
static conf_setter conf_set_build_args, conf_set_workers, conf_set_project;
static conf_setter conf_set_registry;
static conf_setter conf_set_optional_path;

#define CF(m)	offsetof(struct conf, m)
#define CI(m)	offsetof(struct conf_image, m)

/* Every key: section, name, field, setter, may be empty, min, max. */
static const struct conf_key conf_keys[] = {
	{ SEC_REPOSITORY, "path", CF(repo_path), conf_set_path, 0, 0, 0 },
	{ SEC_REPOSITORY, "refs", CF(refs), conf_set_patterns, 0, 0, 0 },
	{ SEC_REPOSITORY, "trust_owner", CF(trust_owner), conf_set_bool,
	    0, 0, 0 },
	{ SEC_SPOOL, "dir", CF(spool_dir), conf_set_path, 0, 0, 0 },
	{ SEC_BUILDER, "arch", CF(arch), conf_set_arch, 0, 0, 0 },
	{ SEC_BUILDER, "engine", CF(engine), conf_set_engine, 0, 0, 0 },
	{ SEC_BUILDER, "engine_options", CF(engine_options), conf_set_words,
	    1, 0, 0 },
	{ SEC_BUILDER, "build_options", CF(build_options), conf_set_words,
	    1, 0, 0 },
	{ SEC_BUILDER, "workdir", CF(workdir), conf_set_path, 0, 0, 0 },
	{ SEC_BUILDER, "dockerfile", CF(dockerfile), conf_set_dockerfile,
	    0, 0, 0 },
	{ SEC_BUILDER, "timeout", CF(timeout), conf_set_uint,
	    0, 1, CONF_SECONDS_MAX },
	{ SEC_BUILDER, "worker_prefix", CF(worker_prefix), conf_set_string,
	    1, 0, 0 },
	{ SEC_BUILDER, "pass_env", CF(pass_env), conf_set_env_names,
	    1, 0, 0 },
	{ SEC_IMAGE, "repository", CI(repository), conf_set_repository,
	    0, 0, 0 },
	{ SEC_IMAGE, "build_args", CI(build_args), conf_set_build_args,
	    1, 0, 0 },
	{ SEC_IMAGE, "workers", CI(workers), conf_set_workers, 1, 0, 0 },
	{ SEC_RESTART, "enabled", CF(restart), conf_set_bool, 0, 0, 0 },
	{ SEC_RESTART, "directory", CF(restart_dir), conf_set_path, 0, 0, 0 },
	{ SEC_RESTART, "compose_file", CF(compose_file), conf_set_string,
	    0, 0, 0 },
	{ SEC_RESTART, "compose", CF(compose), conf_set_words, 0, 0, 0 },
	{ SEC_RESTART, "project", CF(project), conf_set_project, 1, 0, 0 },
	{ SEC_RETRY, "max_attempts", CF(max_attempts), conf_set_uint,
	    0, 1, CONF_ATTEMPTS_MAX },
	{ SEC_RETRY, "backoff", CF(backoff), conf_set_uint,
	    0, 0, CONF_SECONDS_MAX },
	{ SEC_RETRY, "backoff_max", CF(backoff_max), conf_set_uint,
	    0, 0, CONF_SECONDS_MAX },
	{ SEC_METRICS, "textfile", CF(metrics_textfile),
	    conf_set_optional_path, 1, 0, 0 },
	{ SEC_PUBLISH, "registry", CF(registry), conf_set_registry, 1, 0, 0 },
	{ SEC_PUBLISH, "push_options", CF(push_options), conf_set_words,
	    1, 0, 0 },
};
#define CONF_KEYS_LEN (sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(CONF_KEYS_LEN <= CONF_NKEYS, "raise CONF_NKEYS");

/*
 * Record a problem at line unless one on an earlier line is already known.
 * Returns -1, so that checks can "return conf_fail(...)".
 */
static int __attribute__((format(printf, 3, 4)))
conf_fail(struct conf_parse *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->failed && p->err_line <= line)
		return -1;
	p->failed = true;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* The index of key name in section, or -1. */
static int
conf_key_find(enum conf_section section, const char *name)
{
	size_t i;

	for (i = 0; i < CONF_KEYS_LEN; i++)
		if (conf_keys[i].section == section &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* True for a lowercase letter or a digit. */
static bool
conf_is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* True when the len bytes at s separate two parts of an image name. */
static bool
conf_is_separator(const char *s, size_t len)
{
	if (len == 1)
		return *s == '.' || *s == '_' || *s == '-';
	if (len == 2 && s[0] == '_' && s[1] == '_')
		return true;
	return strspn(s, "-") >= len;
}

/*
 * True when the len bytes at s are one component of an image name:
 * lowercase letters and digits, joined by ".", "_", "__" or dashes.
 */
static bool
conf_is_name_component(const char *s, size_t len)
{
	size_t i = 0, sep;

	while (i < len) {
		if (!conf_is_lower_alnum(s[i]))
			return false;
		while (i < len && conf_is_lower_alnum(s[i]))
			i++;
		if (i == len)
			return true;
		sep = i;
		while (i < len && !conf_is_lower_alnum(s[i]))
			i++;
		if (i == len || !conf_is_separator(s + sep, i - sep))
			return false;
	}
	return false;
}

/* True when s is an image name (without tag) as docker and podman take. */
static bool
conf_is_image_name(const char *s)
{
	size_t len;

	if (*s == '\0' || strlen(s) > CONF_IMAGE_NAME_MAX)
		return false;
	for (;;) {
		len = strcspn(s, "/");
		if (!conf_is_name_component(s, len))
			return false;
		if (s[len] == '\0')
			return true;
		s += len + 1;
	}
}

/* True when s is non-empty, its first byte in first, the rest in rest. */
static bool
conf_is_token(const char *s, const char *first, const char *rest)
{
	return *s != '\0' && strchr(first, *s) != NULL &&
	    strspn(s + 1, rest) == strlen(s + 1);
}

#define LOWER_DIGITS	"abcdefghijklmnopqrstuvwxyz0123456789"
#define NAME_FIRST	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
#define NAME_REST	NAME_FIRST "0123456789"

/* True when s is an environment variable name. */
static bool
conf_is_env_name(const char *s)
{
	return conf_is_token(s, NAME_FIRST, NAME_REST);
}

/* True when s is KEY=VALUE with an environment-style KEY. */
static bool
conf_is_build_arg(const char *s)
{
	const char *eq = strchr(s, '=');
	char *key;
	bool ok;

	if (eq == NULL)
		return false;
	key = xstrndup(s, eq - s);
	ok = conf_is_env_name(key);
	free(key);
	return ok;
}

/* True when s is a worker type: [a-z0-9][a-z0-9_.-]*. */
static bool
conf_is_worker_type(const char *s)
{
	return conf_is_token(s, LOWER_DIGITS, LOWER_DIGITS "_.-");
}

/* True when s can name a ref pattern: it starts with "refs/". */
static bool
conf_is_ref_pattern(const char *s)
{
	return strncmp(s, "refs/", 5) == 0;
}

/* Replace the string in field by a copy of value. */
static int
conf_set_string(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	char **s = field;

	free(*s);
	*s = xstrdup(value);
	return 0;
}

/* An absolute path. */
static int
conf_set_path(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	if (*value != '/')
		return conf_fail(p, p->lineno,
		    "invalid path '%s' for key '%s': not absolute",
		    value, k->name);
	return conf_set_string(p, k, field, value);
}

/* An absolute path, or "" for none. */
static int
conf_set_optional_path(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	if (*value == '\0')
		return conf_set_string(p, k, field, value);
	return conf_set_path(p, k, field, value);
}

/* One word: no blanks inside. */
static int
conf_set_word(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	if (strpbrk(value, " \t") != NULL)
		return conf_fail(p, p->lineno,
		    "invalid value '%s' for key '%s': expected one word",
		    value, k->name);
	return conf_set_string(p, k, field, value);
}

/*
 * A machine name as uname -m gives it.  The engines' names for the same
 * machines (amd64, arm64) are refused with the name meant, a likely
 * mix-up that would otherwise refuse every build.
 */
static int
conf_set_arch(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	static const char *const engine_names[][2] = {
		{ "amd64", "x86_64" }, { "arm64", "aarch64" },
		{ "386", "i686" }, { "arm", "armv7l" },
	};
	size_t i;

	for (i = 0; i < sizeof(engine_names) / sizeof(engine_names[0]); i++)
		if (strcmp(value, engine_names[i][0]) == 0)
			return conf_fail(p, p->lineno, "invalid value '%s' for "
			    "key '%s': give the uname -m name ('%s')", value,
			    k->name, engine_names[i][1]);
	return conf_set_word(p, k, field, value);
}

/* A command name looked up on PATH, or an absolute path. */
static int
conf_set_engine(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	if (strpbrk(value, " \t") != NULL ||
	    (strchr(value, '/') != NULL && *value != '/'))
		return conf_fail(p, p->lineno, "invalid engine '%s' for key "
		    "'%s': expected a command name or an absolute path",
		    value, k->name);
	return conf_set_string(p, k, field, value);
}

/* A path inside the checked-out tree: relative, without "..". */
static int
conf_set_dockerfile(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	const char *s = value;
	size_t len;

	/* As git names it in a tree: no empty, "." or ".." part. */
	for (;;) {
		len = strcspn(s, "/");
		if (len == 0 || (len == 1 && s[0] == '.'))
			break;
		if (len == 2 && s[0] == '.' && s[1] == '.')
			break;
		if (s[len] == '\0')
			return conf_set_string(p, k, field, value);
		s += len + 1;
	}
	return conf_fail(p, p->lineno, "invalid path '%s' for key '%s': "
	    "must be relative to the tree, as git names it (no leading '/', "
	    "'./', '..' or '//')", value, k->name);
}

/* A compose project name, or "" for the compose default. */
static int
conf_set_registry(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	if (*value != '\0' && (!conf_is_token(value, LOWER_DIGITS,
	    LOWER_DIGITS ".-:/_") || value[strlen(value) - 1] == '/' ||
	    strstr(value, "//") != NULL))
		return conf_fail(p, p->lineno, "invalid registry '%s' for key "
		    "'%s': expected host[:port][/path], lowercase", value,
		    k->name);
	return conf_set_string(p, k, field, value);
}

/* A compose project name, or empty. */
static int
conf_set_project(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	if (*value != '\0' &&
	    !conf_is_token(value, LOWER_DIGITS, LOWER_DIGITS "_-"))
		return conf_fail(p, p->lineno, "invalid project '%s' for key "
		    "'%s': expected [a-z0-9][a-z0-9_-]*", value, k->name);
	return conf_set_string(p, k, field, value);
}

/* yes/no, true/false, on/off, 1/0, in any case. */
static int
conf_set_bool(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	bool *b = field;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return conf_fail(p, p->lineno, "invalid boolean '%s' for key '%s': "
	    "expected yes/no, true/false, on/off or 1/0", value, k->name);
}

/* A decimal number between k->min and k->max, digits only. */
static int
conf_set_uint(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	unsigned long n;
	char *end;

	if (*value < '0' || *value > '9')
		goto bad;
	errno = 0;
	n = strtoul(value, &end, 10);
	if (*end != '\0')
		goto bad;
	if (errno == ERANGE || n < k->min || n > k->max)
		return conf_fail(p, p->lineno, "invalid number '%s' for key "
		    "'%s': out of range %u..%u", value, k->name, k->min,
		    k->max);
	*(unsigned *)field = (unsigned)n;
	return 0;
bad:
	return conf_fail(p, p->lineno, "invalid number '%s' for key '%s': "
	    "expected a whole number", value, k->name);
}

/*
 * Replace the word list in field by the words of value, each of which must
 * satisfy ok (when not NULL); what and rule name them in the message.
 */
static int
conf_set_list(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value, bool (*ok)(const char *), const char *what,
    const char *rule)
{
	struct strv words = STRV_INIT;
	size_t i;

	strv_split(&words, value);
	for (i = 0; ok != NULL && i < words.n; i++) {
		if (!ok(words.v[i])) {
			conf_fail(p, p->lineno, "invalid %s '%s' for key "
			    "'%s': %s", what, words.v[i], k->name, rule);
			strv_clear(&words);
			return -1;
		}
	}
	strv_clear(field);
	*(struct strv *)field = words;
	return 0;
}

/* Words without further rules: options, the compose command. */
static int
conf_set_words(struct conf_parse *p, const struct conf_key *k, void *field,
    const char *value)
{
	return conf_set_list(p, k, field, value, NULL, NULL, NULL);
}

/* fnmatch patterns of refs. */
static int
conf_set_patterns(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	return conf_set_list(p, k, field, value, conf_is_ref_pattern,
	    "pattern", "does not start with 'refs/'");
}

/* Names of environment variables. */
static int
conf_set_env_names(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	return conf_set_list(p, k, field, value, conf_is_env_name,
	    "variable name", "expected [A-Za-z_][A-Za-z0-9_]*");
}

/* KEY=VALUE words for --build-arg. */
static int
conf_set_build_args(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	return conf_set_list(p, k, field, value, conf_is_build_arg,
	    "build argument", "expected KEY=VALUE, KEY [A-Za-z_][A-Za-z0-9_]*");
}

/* Worker types, each giving a tag worker_prefix + type. */
static int
conf_set_workers(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	return conf_set_list(p, k, field, value, conf_is_worker_type,
	    "worker type", "expected [a-z0-9][a-z0-9_.-]*");
}

/* The repository of an image: an image name without tag. */
static int
conf_set_repository(struct conf_parse *p, const struct conf_key *k,
    void *field, const char *value)
{
	if (!conf_is_image_name(value))
		return conf_fail(p, p->lineno, "invalid repository '%s' for "
		    "key '%s': not an image name (lowercase [a-z0-9] parts "
		    "joined by '.', '_', '__', '-' or '/')", value, k->name);
	return conf_set_string(p, k, field, value);
}

/* Append an empty [image name] section to cf; returns it. */
static struct conf_image *
conf_image_add(struct conf *cf, const char *name)
{
	struct conf_image *img;

	cf->images = xrealloc(cf->images,
	    (cf->nimages + 1) * sizeof(*cf->images));
	img = &cf->images[cf->nimages++];
	memset(img, 0, sizeof(*img));
	img->name = xstrdup(name);
	return img;
}

/* Fill cf with the default of every key, images aside. */
static void
conf_set_defaults(struct conf *cf)
{
	cf->repo_path = xstrdup("/srv/git/app.git");
	strv_push(&cf->refs, "refs/heads/main");
	cf->trust_owner = false;
	cf->spool_dir = xstrdup("/var/spool/pushbuild");
	cf->arch = xstrdup("x86_64");
	cf->engine = xstrdup("docker");
	cf->workdir = xstrdup("/var/lib/pushbuild");
	cf->dockerfile = xstrdup("Dockerfile.worker");
	cf->timeout = 3600;
	cf->worker_prefix = xstrdup("fiskai-worker-");
	cf->restart = false;
	cf->restart_dir = xstrdup("/opt/fiskai-workers");
	cf->compose_file = xstrdup("docker-compose.workers.yml");
	strv_split(&cf->compose, "docker compose");
	cf->project = xstrdup("");
	cf->max_attempts = 5;
	cf->backoff = 300;
	cf->backoff_max = 3600;
	cf->metrics_textfile = xstrdup("");
	cf->registry = xstrdup("");
}

/* The two images of the shop, used when the file names none. */
static void
conf_add_default_images(struct conf *cf)
{
	struct conf_image *img;

	img = conf_image_add(cf, "base");
	img->repository = xstrdup("fiskai-worker");
	strv_push(&img->build_args, "WITH_OCR=false");
	strv_split(&img->workers, "orchestrator sentinel extractor composer");

	img = conf_image_add(cf, "ocr");
	img->repository = xstrdup("fiskai-worker-ocr");
	strv_push(&img->build_args, "WITH_OCR=true");
	strv_push(&img->workers, "ocr");
}

/*
 * Close the current section: an image must have had its repository line
 * (a bad value there is reported on its own line, not as missing).
 */
static void
conf_end_section(struct conf_parse *p)
{
	const struct conf_image_lines *lines;

	if (p->section == SEC_IMAGE) {
		lines = &p->image_lines[p->cf.nimages - 1];
		if (lines->key[conf_key_find(SEC_IMAGE, "repository")] == 0)
			conf_fail(p, lines->section,
			    "missing key 'repository' in section [image %s]",
			    p->cf.images[p->cf.nimages - 1].name);
	}
	p->section = SEC_NONE;
}

/* Open an [image NAME] section; name follows "image" in the header. */
static int
conf_begin_image(struct conf_parse *p, const char *name)
{
	struct conf_image_lines *lines;

	name += strspn(name, " \t");
	if (*name == '\0')
		return conf_fail(p, p->lineno,
		    "section [image] needs a name: [image NAME]");
	if (!conf_is_token(name, LOWER_DIGITS "_-", LOWER_DIGITS "_-"))
		return conf_fail(p, p->lineno, "invalid image name '%s' in "
		    "section header: expected [a-z0-9_-]+", name);
	if (conf_image(&p->cf, name) != NULL)
		return conf_fail(p, p->lineno, "duplicate section [image %s]",
		    name);

	conf_image_add(&p->cf, name);
	p->image_lines = xrealloc(p->image_lines,
	    p->cf.nimages * sizeof(*p->image_lines));
	lines = &p->image_lines[p->cf.nimages - 1];
	memset(lines, 0, sizeof(*lines));
	lines->section = p->lineno;
	p->section = SEC_IMAGE;
	return 0;
}

/* Open the section whose header "[...]" is the len bytes at s. */
static int
conf_begin_section(struct conf_parse *p, const char *s, size_t len)
{
	const char *end, *rest;
	char c;
	int i;

	conf_end_section(p);
	end = memchr(s, ']', len);
	if (end == NULL)
		return conf_fail(p, p->lineno, "missing ']' in section header");
	rest = end + 1;
	rest += strspn(rest, " \t");
	if (rest < s + len && *rest != ';' && *rest != '#')
		return conf_fail(p, p->lineno,
		    "unexpected text after section header");
	memcpy(p->section_text, s + 1, end - s - 1);
	p->section_text[end - s - 1] = '\0';

	for (i = 0; i < SEC_COUNT; i++) {
		if (conf_section_names[i] == NULL ||
		    strcmp(p->section_text, conf_section_names[i]) != 0)
			continue;
		if (p->section_line[i] != 0)
			return conf_fail(p, p->lineno, "duplicate section [%s] "
			    "(first on line %d)", p->section_text,
			    p->section_line[i]);
		p->section_line[i] = p->lineno;
		p->section = i;
		return 0;
	}
	if (strncmp(p->section_text, "image", 5) == 0) {
		c = p->section_text[5];
		if (c == '\0' || c == ' ' || c == '\t')
			return conf_begin_image(p, p->section_text + 5);
	}
	return conf_fail(p, p->lineno, "unknown section [%s]",
	    p->section_text);
}

/*
 * Check the line of len bytes in p->buf before inih sees it: its length,
 * the shapes inih would take differently from what a reader expects, and
 * section headers.  0, or -1 after conf_fail().
 */
static int
conf_check_line(struct conf_parse *p, size_t len, size_t room)
{
	char *s = p->buf;
	size_t n;

	if (p->too_long || len >= room)
		return conf_fail(p, p->lineno, "line too long (max %d bytes)",
		    CONF_LINE_MAX);
	if (p->nul)
		return conf_fail(p, p->lineno, "line contains a NUL byte");

	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || *s == ';' || *s == '#')
		return 0;
	if (isspace((unsigned char)*s)) {
		s += strspn(s, " \t\f\v");
		if (*s == ';' || *s == '#')
			return 0;
		return conf_fail(p, p->lineno,
		    "continuation lines are not supported");
	}
	if (*s == '[')
		return conf_begin_section(p, s, n);
	if (strpbrk(s, "=:") == NULL)
		return conf_fail(p, p->lineno,
		    "syntax error: expected 'key = value' or '[section]'");
	return 0;
}

/*
 * Read one line, newline included, into p->buf (cut at CONF_LINE_MAX
 * bytes, the rest skipped).  Returns its length, or -1 at the end of the
 * file or on a read error (then p->read_errno is set).
 */
static ssize_t
conf_read_raw(struct conf_parse *p)
{
	size_t len = 0;
	int c = EOF;

	p->too_long = p->nul = false;
	while ((c = getc(p->fp)) != EOF) {
		if (len < CONF_LINE_MAX)
			p->buf[len] = (char)c;
		len++;
		if (c == '\0')
			p->nul = true;
		if (c == '\n')
			break;
	}
	if (c == EOF && ferror(p->fp)) {
		p->read_errno = errno != 0 ? errno : EIO;
		return -1;
	}
	if (c == EOF && len == 0)
		return -1;
	if (len > CONF_LINE_MAX) {
		p->too_long = true;
		len = CONF_LINE_MAX;
	}
	p->buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * The ini_reader: hand inih one checked line at a time, or a blank line in
 * place of a line with a problem, so that inih's count stays ours.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	ssize_t len;

	if (p->eof)
		return NULL;
	len = conf_read_raw(p);
	if (len == -1) {
		p->eof = true;
		conf_end_section(p);
		return NULL;
	}
	p->lineno++;
	if (num < 2 || conf_check_line(p, (size_t)len, (size_t)num) == -1)
		strcpy(str, num < 2 ? "" : "\n");
	else
		memcpy(str, p->buf, (size_t)len + 1);
	return str;
}

/* Check and store one key of the current section; 0 or -1. */
static int
conf_handle(struct conf_parse *p, const char *name, const char *value)
{
	const struct conf_key *k;
	int *lines, i;
	void *base;

	if (p->section == SEC_NONE)
		return conf_fail(p, p->lineno, "key '%s' before any section",
		    name);
	if ((i = conf_key_find(p->section, name)) == -1)
		return conf_fail(p, p->lineno,
		    "unknown key '%s' in section [%s]", name, p->section_text);
	k = &conf_keys[i];

	base = &p->cf;
	lines = p->key_line;
	if (p->section == SEC_IMAGE) {
		base = &p->cf.images[p->cf.nimages - 1];
		lines = p->image_lines[p->cf.nimages - 1].key;
	}
	if (lines[i] != 0)
		return conf_fail(p, p->lineno, "duplicate key '%s' in section "
		    "[%s] (first on line %d)", name, p->section_text, lines[i]);
	lines[i] = p->lineno;

	if (*value == '\0' && !k->may_be_empty)
		return conf_fail(p, p->lineno,
		    "empty value for key '%s' in section [%s]",
		    name, p->section_text);
	return k->set(p, k, (char *)base + k->off, value);
}

/* The ini_handler: nonzero on success, as inih wants. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	return conf_handle(user, name, value) == 0;
}

/*
 * Every worker tag, worker_prefix + type, must be an image name.  The
 * problem is put on the later of the worker_prefix and workers lines (the
 * default images have no workers line).
 */
static int
conf_check_worker_tags(struct conf_parse *p)
{
	const struct conf_image *img;
	char *tag;
	size_t i, j;
	bool ok;
	int line, wline, widx;

	line = p->key_line[conf_key_find(SEC_BUILDER, "worker_prefix")];
	widx = conf_key_find(SEC_IMAGE, "workers");
	for (i = 0; i < p->cf.nimages; i++) {
		img = &p->cf.images[i];
		for (j = 0; j < img->workers.n; j++) {
			tag = xasprintf("%s%s", p->cf.worker_prefix,
			    img->workers.v[j]);
			ok = conf_is_image_name(tag);
			free(tag);
			if (ok)
				continue;
			wline = p->image_lines == NULL ? 0 :
			    p->image_lines[i].key[widx];
			return conf_fail(p, wline > line ? wline : line,
			    "invalid worker tag '%s%s' of section [image %s]: "
			    "not an image name", p->cf.worker_prefix,
			    img->workers.v[j], img->name);
		}
	}
	return 0;
}

/* The names image i moves to :latest: its repository, its worker tags. */
static void
conf_moving_names(const struct conf *cf, size_t i, struct strv *names)
{
	const struct conf_image *img = &cf->images[i];
	size_t j;

	strv_push(names, img->repository);
	for (j = 0; j < img->workers.n; j++)
		strv_pushf(names, "%s%s", cf->worker_prefix, img->workers.v[j]);
}

/*
 * No moving tag may belong to two images: the one moved last would win,
 * and workers of one kind would run the other image.  The problem is put
 * on the later image's workers or repository line.
 */
static int
conf_check_tag_owners(struct conf_parse *p)
{
	struct strv mine = STRV_INIT, theirs = STRV_INIT;
	size_t i, j, k;
	int line, ret = 0, r, w;

	r = conf_key_find(SEC_IMAGE, "repository");
	w = conf_key_find(SEC_IMAGE, "workers");
	for (i = 1; ret == 0 && i < p->cf.nimages; i++) {
		strv_clear(&mine);
		conf_moving_names(&p->cf, i, &mine);
		for (j = 0; ret == 0 && j < i; j++) {
			strv_clear(&theirs);
			conf_moving_names(&p->cf, j, &theirs);
			for (k = 0; k < mine.n; k++) {
				if (!strv_contains(&theirs, mine.v[k]))
					continue;
				line = p->image_lines == NULL ? 0 :
				    p->image_lines[i].key[w] >
				    p->image_lines[i].key[r] ?
				    p->image_lines[i].key[w] :
				    p->image_lines[i].key[r];
				ret = conf_fail(p, line, "tag '%s:latest' "
				    "would belong to both [image %s] and "
				    "[image %s]", mine.v[k],
				    p->cf.images[j].name,
				    p->cf.images[i].name);
				break;
			}
		}
	}
	strv_clear(&mine);
	strv_clear(&theirs);
	return ret;
}

/* The checks that need the whole file; the default images come first. */
static int
conf_finish(struct conf_parse *p)
{
	int a, b;

	if (p->cf.nimages == 0)
		conf_add_default_images(&p->cf);
	if (p->cf.backoff_max < p->cf.backoff) {
		a = p->key_line[conf_key_find(SEC_RETRY, "backoff")];
		b = p->key_line[conf_key_find(SEC_RETRY, "backoff_max")];
		return conf_fail(p, a > b ? a : b, "backoff_max %u is less "
		    "than backoff %u in section [retry]", p->cf.backoff_max,
		    p->cf.backoff);
	}
	if (conf_check_worker_tags(p) < 0)
		return -1;
	return conf_check_tag_owners(p);
}

/*
 * Open path for reading, refusing anything but a regular file.  O_NONBLOCK
 * keeps open() of a FIFO from waiting for a writer; it changes nothing for
 * the regular file read afterwards.
 */
static int
conf_open(struct conf_parse *p)
{
	struct stat st;
	int fd;

	fd = open(p->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return log_errno("read config '%s'", p->path);
	if (fstat(fd, &st) == -1) {
		log_errno("read config '%s'", p->path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return log_error("read config '%s': not a regular file",
		    p->path);
	}
	if ((p->fp = fdopen(fd, "r")) == NULL) {
		log_errno("read config '%s'", p->path);
		close(fd);
		return -1;
	}
	return 0;
}

/*
 * Set inih's run-time options (Debian builds inih with them as variables)
 * to what conf_reader() assumes, whatever their defaults.
 */
static void
conf_setup_inih(void)
{
	ini_max_line = CONF_LINE_MAX + 2;
	ini_use_stack = true;
	ini_allow_bom = true;
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
}

/* Print the problem found, as "path:line: problem". */
static void
conf_report(const struct conf_parse *p)
{
	char msg[LOG_MSG_MAX];

	log_escape(msg, sizeof(msg), p->err);
	log_error("%s:%d: %s", p->path, p->err_line, msg);
}

int
conf_load(struct conf *cf, const char *path)
{
	struct conf_parse *p;
	int r, ret = -1;

	memset(cf, 0, sizeof(*cf));
	p = xcalloc(1, sizeof(*p));
	p->path = path;
	if (conf_open(p) == -1)
		goto out;
	conf_set_defaults(&p->cf);
	p->cf.path = xstrdup(path);

	conf_setup_inih();
	r = ini_parse_stream(conf_reader, p, conf_handler, p);
	if (p->read_errno != 0) {
		errno = p->read_errno;
		log_errno("read config '%s'", path);
		goto out;
	}
	/* A line inih refused that the reader let through. */
	if (r != 0)
		conf_fail(p, r > 0 ? r : 0,
		    "syntax error: expected 'key = value' or '[section]'");
	if (!p->failed)
		conf_finish(p);
	if (p->failed) {
		conf_report(p);
		goto out;
	}

	*cf = p->cf;
	memset(&p->cf, 0, sizeof(p->cf));
	ret = 0;
out:
	if (p->fp != NULL)
		fclose(p->fp);
	conf_release(&p->cf);
	free(p->image_lines);
	free(p);
	return ret;
}

void
conf_release(struct conf *cf)
{
	unsigned i;

	for (i = 0; i < cf->nimages; i++) {
		free(cf->images[i].name);
		free(cf->images[i].repository);
		strv_clear(&cf->images[i].build_args);
		strv_clear(&cf->images[i].workers);
	}
	free(cf->images);
	free(cf->path);
	free(cf->repo_path);
	strv_clear(&cf->refs);
	free(cf->spool_dir);
	free(cf->arch);
	free(cf->engine);
	strv_clear(&cf->engine_options);
	strv_clear(&cf->build_options);
	free(cf->workdir);
	free(cf->dockerfile);
	free(cf->worker_prefix);
	strv_clear(&cf->pass_env);
	free(cf->restart_dir);
	free(cf->compose_file);
	strv_clear(&cf->compose);
	free(cf->project);
	free(cf->metrics_textfile);
	free(cf->registry);
	strv_clear(&cf->push_options);
	memset(cf, 0, sizeof(*cf));
}

const struct conf_image *
conf_image(const struct conf *cf, const char *name)
{
	unsigned i;

	for (i = 0; i < cf->nimages; i++)
		if (strcmp(cf->images[i].name, name) == 0)
			return &cf->images[i];
	return NULL;
}

/*
 * fnmatch() without flags: a star also matches "/", so the pattern
 * refs/heads/<star> takes refs/heads/feature/x too, and a leading "." is
 * not special.
 */
bool
conf_ref_wanted(const struct conf *cf, const char *ref)
{
	size_t i;

	for (i = 0; i < cf->refs.n; i++)
		if (fnmatch(cf->refs.v[i], ref, 0) == 0)
			return true;
	return false;
}
