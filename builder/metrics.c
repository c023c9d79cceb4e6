/*
 * metrics.c - pushbuild metrics: write the metrics file for node_exporter
 * now, rather than at the end of the next drain.
 */
#include "config.h"

#include <sysexits.h>

#include "cmds.h"
#include "log.h"
#include "metrics.h"
#include "spool.h"

int
cmd_metrics(const struct conf *cf, int argc, char **argv)
{
	struct spool sp = { 0 };
	int ret = 0;

	if (argc != 1)
		return usage();
	if (*cf->metrics_textfile == '\0') {
		log_error("write metrics: no [metrics] textfile in '%s'",
		    cf->path);
		return EX_CONFIG;
	}
	if (spool_open(&sp, cf->spool_dir, false) < 0)
		return EX_NOINPUT;
	if (metrics_write(cf, &sp) < 0)
		ret = EX_CANTCREAT;
	spool_close(&sp);
	return ret;
}
