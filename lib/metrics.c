/*
 * metrics.c - write the spool's gauges for node_exporter.
 *
 * The file is replaced whole by a rename in its own directory, so the
 * collector reads the old or the new text, never a mix.  The temporary
 * file starts with a '.' and does not end in ".prom": the collector
 * skips it.  The values come from one summary_load(), the same facts
 * "pushbuild status" shows.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

/* Mode of the metrics file: the collector runs as another user. */
#define METRICS_FILE_MODE 0644

/* Append one gauge with its HELP and TYPE lines to *text. */
static void
metrics_gauge(char **text, const char *name, const char *help,
    long long value)
{
	char *old = *text;

	*text = xasprintf("%s# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", old,
	    name, help, name, name, value);
	free(old);
}

char *
metrics_format(const struct summary *s)
{
	const struct job *ok = summary_last_success(s);
	const struct job *built = summary_last_built(s);
	time_t oldest = summary_oldest_pending(s);
	char *text, *old;
	int i;

	text = xstrdup("# HELP pushbuild_jobs Jobs in the spool by state.\n"
	    "# TYPE pushbuild_jobs gauge\n");
	for (i = 0; i < SUMMARY_NSTATES; i++) {
		old = text;
		text = xasprintf("%spushbuild_jobs{state=\"%s\"} %zu\n", old,
		    summary_state_name(i), s->lists[i].n);
		free(old);
	}
	metrics_gauge(&text, "pushbuild_oldest_pending_seconds",
	    "Age of the oldest pending job, 0 when none.",
	    oldest != 0 && s->now > oldest ? (long long)(s->now - oldest) : 0);
	metrics_gauge(&text, "pushbuild_last_success_timestamp_seconds",
	    "When the last built or already-built job finished, 0 when none.",
	    ok != NULL ? (long long)ok->finished : 0);
	metrics_gauge(&text, "pushbuild_last_build_duration_seconds",
	    "How long the last built job took, 0 when none.",
	    built != NULL && built->finished > built->started ?
	    (long long)(built->finished - built->started) : 0);
	return text;
}

/* Write text to a new temporary file beside path; its name in *tmp. */
static int
metrics_write_tmp(const char *path, const char *text, char **tmp)
{
	const char *slash = strrchr(path, '/');
	int fd;

	*tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path,
	    slash + 1);
	if ((fd = mkstemp(*tmp)) < 0) {
		log_errno("create metrics file '%s'", *tmp);
		free(*tmp);
		*tmp = NULL;
		return -1;
	}
	if (fchmod(fd, METRICS_FILE_MODE) < 0 ||
	    write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		log_errno("write metrics file '%s'", *tmp);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return log_errno("write metrics file '%s'", *tmp);
	return 0;
}

int
metrics_write(const struct conf *cf, struct spool *sp)
{
	struct summary s;
	char *text = NULL, *tmp = NULL;
	int ret = -1;

	if (*cf->metrics_textfile == '\0')
		return 0;
	if (summary_load(&s, sp) < 0)
		return -1;
	text = metrics_format(&s);
	summary_release(&s);

	if (metrics_write_tmp(cf->metrics_textfile, text, &tmp) < 0)
		goto out;
	if (rename(tmp, cf->metrics_textfile) < 0) {
		log_errno("rename metrics file to '%s'", cf->metrics_textfile);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = 0;
out:
	if (tmp != NULL && unlink(tmp) < 0 && errno != ENOENT)
		log_errno("remove '%s'", tmp);
	free(tmp);
	free(text);
	return ret;
}
