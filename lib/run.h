/*
 * run.h - run one child program with an argument vector, never a shell.
 *
 * The child gets its own process group, the environment given, and its
 * stdout and stderr on a pipe that the parent copies to a log fd (and,
 * for foreground builds, to our stdout), or captures.  A timeout ends the
 * whole process group: SIGTERM, then SIGKILL after RUN_KILL_GRACE seconds.
 * run_command() returns only after the child has been reaped.
 */
#ifndef PUSHBUILD_RUN_H
#define PUSHBUILD_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* Seconds between SIGTERM and SIGKILL when a child must stop. */
#define RUN_KILL_GRACE 10

/* Most output captured by RUN_CAPTURE; the rest is dropped. */
#define RUN_CAPTURE_MAX (1024 * 1024)

/* Bytes of the output's end kept in tail, for failure reasons. */
#define RUN_TAIL_MAX 4096

struct run {
	/* Input. */
	char *const	*argv;		/* argv[0] is a full path */
	char *const	*envp;		/* the whole environment */
	const char	*dir;		/* working directory, or NULL */
	int		 log_fd;	/* output copied here, or -1 */
	bool		 echo;		/* also copy output to stdout */
	bool		 capture;	/* keep stdout in out (not stderr) */
	unsigned	 timeout;	/* seconds, 0 for none */

	/* Output. */
	int		 status;	/* exit code, or 128 + signal */
	bool		 timed_out;
	bool		 interrupted;	/* stopped for *stop (below) */
	char		*out;		/* captured stdout, NUL-terminated */
	size_t		 outlen;
	char		 tail[RUN_TAIL_MAX]; /* end of stdout and stderr, */
	size_t		 taillen;	/* as they came, NUL-terminated */
};
#define RUN_INIT { NULL, NULL, NULL, -1, false, false, 0, 0, false, false, \
    NULL, 0, "", 0 }

/*
 * Set by a signal handler to ask a running child to stop early: the child's
 * group is ended as on a timeout and r->interrupted is set.  May be NULL.
 */
extern volatile sig_atomic_t *run_stop_flag;

/*
 * Run r->argv and wait for it.  Returns 0 when the child ran and was
 * reaped (see r->status, r->timed_out, r->interrupted), -1 when it could
 * not be started (reported; errno kept, ENOENT for a missing program).
 * Free r->out with run_release().
 */
int run_command(struct run *r);

/*
 * End the processes left by a builder that died: every process whose
 * environment holds the entry marker ("PUSHBUILD_JOB=<job>", which the
 * builder gives every child), with its process group: SIGTERM, then
 * SIGKILL after RUN_KILL_GRACE seconds.  Linux /proc only; processes of
 * other users are not seen.  Returns how many carried the marker, or -1
 * (reported).
 */
int run_kill_marked(const char *marker);

/* Free what run_command() allocated in *r. */
void run_release(struct run *r);

#endif
