/*
 * log.c - messages to stderr or syslog, and the last error for job records.
 *
 * The destination is chosen once in main.  Nothing here exits; callers
 * report once where a failure happens and return -1.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_name = "pushbuild";
static bool log_syslog;
static bool log_quiet;
static char log_last_msg[LOG_MSG_MAX];

void
log_init(const char *prog, bool use_syslog)
{
	log_name = prog;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

void
log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

const char *
log_prog(void)
{
	return log_name;
}

/* Print one formatted message at priority pri. */
static void
log_emit(int pri, const char *msg)
{
	if (log_quiet && pri != LOG_INFO)
		return;
	if (log_syslog)
		syslog(pri, "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", log_name, msg);
}

/* Format, optionally with strerror(errnum), remember and print an error. */
static void
log_verror(int errnum, const char *fmt, va_list ap)
{
	size_t len;

	vsnprintf(log_last_msg, sizeof(log_last_msg), fmt, ap);
	if (errnum != 0) {
		len = strlen(log_last_msg);
		snprintf(log_last_msg + len, sizeof(log_last_msg) - len,
		    ": %s", strerror(errnum));
	}
	log_emit(LOG_ERR, log_last_msg);
}

int
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verror(0, fmt, ap);
	va_end(ap);
	return -1;
}

int
log_errno(const char *fmt, ...)
{
	va_list ap;
	int errnum = errno;

	va_start(ap, fmt);
	log_verror(errnum, fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

void
log_warn(const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_WARNING, msg);
}

void
log_info(const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_INFO, msg);
}

const char *
log_last(void)
{
	return log_last_msg;
}

void
log_clear(void)
{
	log_last_msg[0] = '\0';
}

char *
log_escape(char *dst, size_t dstsize, const char *src)
{
	size_t i = 0;
	unsigned char c;

	if (dstsize == 0)
		return dst;
	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f) {
			if (i + 4 >= dstsize)
				break;
			snprintf(dst + i, 5, "\\x%02x", c);
			i += 4;
		} else {
			if (i + 1 >= dstsize)
				break;
			dst[i++] = (char)c;
		}
	}
	dst[i] = '\0';
	return dst;
}
