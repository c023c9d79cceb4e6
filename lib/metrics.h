/*
 * metrics.h - the builder's gauges, as a file for node_exporter's
 * textfile collector ([metrics] textfile in pushbuild.ini(5)).
 */
#ifndef PUSHBUILD_METRICS_H
#define PUSHBUILD_METRICS_H

#include "conf.h"
#include "spool.h"
#include "summary.h"

/*
 * The text of the metrics file for s, in the Prometheus text format:
 * pushbuild_jobs{state="..."} for each state of summary.h,
 * pushbuild_oldest_pending_seconds, pushbuild_last_success_timestamp_seconds
 * and pushbuild_last_build_duration_seconds (0 when there is no such
 * job).  A new string, owned by the caller.
 */
char *metrics_format(const struct summary *s);

/*
 * Read the spool sp and replace cf->metrics_textfile with its metrics:
 * written to a hidden temporary file in the same directory (which the
 * collector ignores), flushed, made 0644, and renamed over the file, so
 * the collector never reads half of it.  Does nothing when the key is
 * empty.  0, or -1 (reported; the old file stays).
 */
int metrics_write(const struct conf *cf, struct spool *sp);

#endif
