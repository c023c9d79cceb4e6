/*
 * log.h - the one small log module of pushbuild.
 *
 * Messages go to stderr in the foreground and to syslog (facility LOG_DAEMON)
 * when run from a service or cron.  Every error message has the form
 * "prog: action 'object': reason", lowercase, no final period.  The last
 * error is also kept so that the builder can record it as a job's reason.
 */
#ifndef PUSHBUILD_LOG_H
#define PUSHBUILD_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Longest message kept by log_last(); longer ones are cut. */
#define LOG_MSG_MAX 1024

/* Set the program name printed before each message, and the destination. */
void log_init(const char *prog, bool use_syslog);

/*
 * With quiet set, errors and warnings are not printed, only kept for
 * log_last(): for "pushbuild check", which says each problem in its own
 * line.  Off by default.
 */
void log_set_quiet(bool quiet);

/* The program name given to log_init(), "pushbuild" before that. */
const char *log_prog(void);

/* Print "prog: <message>" as an error and return -1. */
int log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like log_error(), with ": strerror(errno)" appended; returns -1. */
int log_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning: printed like an error, but does not become log_last(). */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line about an event (a job queued, built, failed); stderr or syslog. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The text of the last log_error()/log_errno() message, without the
 * program name; "" when there was none.  Valid until the next error.
 */
const char *log_last(void);

/* Forget the last error, so that log_last() returns "". */
void log_clear(void);

/*
 * Copy src into dst (of size dstsize, always NUL-terminated), replacing
 * control characters and DEL by "\xNN" so that untrusted text (ref names,
 * engine output) prints on one line and cannot drive a terminal.
 * Returns dst.
 */
char *log_escape(char *dst, size_t dstsize, const char *src);

#endif
