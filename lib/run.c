/*
 * run.c - run one child with posix_spawn and wait for it, never a shell.
 *
 * The child leads its own process group, starts with an empty signal mask
 * and default dispositions for the signals a shell or a build cares about,
 * reads /dev/null and writes into two close-on-exec pipes that only the
 * parent reads.  Every signal that ends a child goes to the whole group
 * (kill(-pgid)), so a build's grandchildren end with it.
 *
 * Invariants: run_command() returns only after the child is reaped, so no
 * second child can start while the first runs; the pipes are drained
 * while the child runs, so a chatty child never blocks on a full pipe.
 *
 * SIGPIPE: we copy output to our own stdout, which the caller may have
 * closed (`pushbuild build | head`).  While a child runs, SIGPIPE is
 * ignored in this process and the old disposition restored afterwards;
 * a failed write then shows as EPIPE, is reported once, and the copy to
 * that destination stops.  The child gets SIGPIPE back at its default
 * through POSIX_SPAWN_SETSIGDEF.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "run.h"
#include "util.h"

/* Longest wait in poll(), so that a stop flag set by a signal is seen. */
#define RUN_POLL_MS 200

/* Wait between two reaping attempts once the pipes are closed. */
#define RUN_REAP_MS 20

volatile sig_atomic_t *run_stop_flag;

/* Where the child is on its way out. */
enum run_phase {
	RUN_RUNNING,		/* left alone */
	RUN_TERMED,		/* SIGTERM sent to the group */
	RUN_KILLED,		/* SIGKILL sent to the group */
};

/* What the parent tracks while one child runs. */
struct run_state {
	pid_t		 pid;		/* child, and its process group */
	int		 fd[2];		/* read ends: stdout, stderr; or -1 */
	int64_t		 deadline;	/* ms on CLOCK_MONOTONIC, or 0 */
	int64_t		 kill_at;	/* when to send SIGKILL */
	int64_t		 drain_until;	/* child reaped: stop reading then */
	enum run_phase	 phase;
	bool		 reaped;
	int		 wstatus;
	bool		 log_failed;	/* write to log_fd failed, reported */
	bool		 echo_failed;	/* write to stdout failed, reported */
};

/* Milliseconds on the monotonic clock. */
static int64_t
run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Spawn attributes: own process group, empty mask, default signals. */
static int
run_attr_init(posix_spawnattr_t *attr)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGCHLD,
	    SIGHUP, SIGQUIT, SIGALRM, SIGUSR1, SIGUSR2, SIGTSTP, SIGTTIN,
	    SIGTTOU };
	sigset_t mask, def;
	size_t i;
	int err;

	sigemptyset(&mask);
	sigemptyset(&def);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&def, sigs[i]);
	if ((err = posix_spawnattr_init(attr)) != 0)
		return err;
	if ((err = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (err = posix_spawnattr_setpgroup(attr, 0)) != 0 ||
	    (err = posix_spawnattr_setsigmask(attr, &mask)) != 0 ||
	    (err = posix_spawnattr_setsigdefault(attr, &def)) != 0)
		posix_spawnattr_destroy(attr);
	return err;
}

/* File actions: stdin from null, stdout and stderr into the pipes, dir. */
static int
run_actions_init(posix_spawn_file_actions_t *fa, int null, int out,
    int err_fd, const char *dir)
{
	int err;

	if ((err = posix_spawn_file_actions_init(fa)) != 0)
		return err;
	if ((err = posix_spawn_file_actions_adddup2(fa, null, 0)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(fa, out, 1)) != 0 ||
	    (err = posix_spawn_file_actions_adddup2(fa, err_fd, 2)) != 0 ||
	    (dir != NULL &&
	    (err = posix_spawn_file_actions_addchdir_np(fa, dir)) != 0))
		posix_spawn_file_actions_destroy(fa);
	return err;
}

/* Close fd if open and set it to -1; a read end, so errors do not matter. */
static void
run_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Start r->argv with the pipes of st.  0, or -1 with errno set (the
 * caller reports).
 */
static int
run_spawn(struct run *r, struct run_state *st)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, null = -1;
	int e = 0;

	/*
	 * posix_spawn reports a failed exec only where the child shares our
	 * memory until exec (glibc's clone(CLONE_VFORK)); elsewhere (under
	 * valgrind, for one) it shows as exit 127.  Ask first, so a missing
	 * program is ENOENT everywhere; posix_spawn still has the last word.
	 */
	if (access(r->argv[0], X_OK) < 0)
		return -1;
	if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		e = errno;
		goto out;
	}
	if ((e = run_attr_init(&attr)) != 0)
		goto out;
	if ((e = run_actions_init(&fa, null, out[1], err[1], r->dir)) == 0) {
		e = posix_spawn(&st->pid, r->argv[0], &fa, &attr, r->argv,
		    r->envp);
		posix_spawn_file_actions_destroy(&fa);
	}
	posix_spawnattr_destroy(&attr);
	if (e == 0) {
		st->fd[0] = out[0];
		st->fd[1] = err[0];
		out[0] = err[0] = -1;
	}
out:
	run_close(&null);
	run_close(&out[0]);
	run_close(&out[1]);
	run_close(&err[0]);
	run_close(&err[1]);
	errno = e;
	return e == 0 ? 0 : -1;
}

/* Keep the last RUN_TAIL_MAX - 1 bytes of output in r->tail. */
static void
run_keep_tail(struct run *r, const char *buf, size_t n)
{
	size_t keep = RUN_TAIL_MAX - 1;

	if (n >= keep) {
		memcpy(r->tail, buf + n - keep, keep);
		r->taillen = keep;
	} else {
		if (r->taillen + n > keep) {
			memmove(r->tail, r->tail + (r->taillen + n - keep),
			    keep - n);
			r->taillen = keep - n;
		}
		memcpy(r->tail + r->taillen, buf, n);
		r->taillen += n;
	}
	r->tail[r->taillen] = '\0';
}

/* Append to r->out, up to RUN_CAPTURE_MAX bytes; the rest is dropped. */
static void
run_keep_out(struct run *r, const char *buf, size_t n)
{
	if (r->outlen + n > RUN_CAPTURE_MAX)
		n = RUN_CAPTURE_MAX - r->outlen;
	r->out = xrealloc(r->out, r->outlen + n + 1);
	memcpy(r->out + r->outlen, buf, n);
	r->outlen += n;
	r->out[r->outlen] = '\0';
}

/* Copy output to the log and to our stdout; each failure reported once. */
static void
run_copy(struct run *r, struct run_state *st, const char *buf, size_t n)
{
	if (r->log_fd >= 0 && !st->log_failed &&
	    write_all(r->log_fd, buf, n) < 0) {
		log_warn("write build log of '%s': %s", r->argv[0],
		    strerror(errno));
		st->log_failed = true;
	}
	if (r->echo && !st->echo_failed &&
	    write_all(STDOUT_FILENO, buf, n) < 0) {
		log_warn("copy output of '%s' to stdout: %s", r->argv[0],
		    strerror(errno));
		st->echo_failed = true;
	}
}

/* Read what pipe i (0 stdout, 1 stderr) holds; close it at end of file. */
static void
run_read(struct run *r, struct run_state *st, int i)
{
	char buf[8192];
	ssize_t n;

	n = read(st->fd[i], buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			log_warn("read output of '%s': %s", r->argv[0],
			    strerror(errno));
		run_close(&st->fd[i]);
		return;
	}
	run_keep_tail(r, buf, (size_t)n);
	if (i == 0 && r->capture)
		run_keep_out(r, buf, (size_t)n);
	else
		run_copy(r, st, buf, (size_t)n);
}

/* Send sig to the child's whole group, and move to phase. */
static void
run_signal(struct run_state *st, int sig, enum run_phase phase)
{
	/* ESRCH: the group is already gone, which is what we want. */
	if (kill(-st->pid, sig) < 0 && errno != ESRCH)
		log_warn("signal process group %ld: %s", (long)st->pid,
		    strerror(errno));
	st->phase = phase;
}

/*
 * Act on the clock and the stop flag: SIGTERM at the deadline or on a
 * stop request, SIGKILL RUN_KILL_GRACE seconds later.
 */
static void
run_check_time(struct run *r, struct run_state *st, int64_t now)
{
	bool stop = run_stop_flag != NULL && *run_stop_flag != 0;

	if (st->phase == RUN_RUNNING && st->deadline != 0 &&
	    now >= st->deadline) {
		r->timed_out = true;
	} else if (st->phase == RUN_RUNNING && stop) {
		r->interrupted = true;
	} else if (st->phase == RUN_TERMED && now >= st->kill_at) {
		run_signal(st, SIGKILL, RUN_KILLED);
		return;
	} else {
		return;
	}
	run_signal(st, SIGTERM, RUN_TERMED);
	st->kill_at = now + RUN_KILL_GRACE * 1000;
}

/* Reap the child if it has exited; waitpid retried on EINTR. */
static void
run_reap(struct run_state *st, int flags)
{
	pid_t p;

	if (st->reaped)
		return;
	do
		p = waitpid(st->pid, &st->wstatus, flags);
	while (p < 0 && errno == EINTR);
	if (p == st->pid)
		st->reaped = true;
	else if (p < 0) {
		/* ECHILD: someone else reaped it (SIGCHLD ignored?). */
		log_warn("wait for process %ld: %s", (long)st->pid,
		    strerror(errno));
		st->reaped = true;
		st->wstatus = 0;
	}
}

/* Milliseconds poll() may sleep before the next thing to check. */
static int
run_poll_ms(const struct run_state *st, int64_t now)
{
	int64_t next = 0, ms = RUN_POLL_MS;

	if (st->fd[0] < 0 && st->fd[1] < 0)
		ms = RUN_REAP_MS;

	if (st->phase == RUN_RUNNING)
		next = st->deadline;
	else if (st->phase == RUN_TERMED)
		next = st->kill_at;
	if (next != 0 && next - now < ms)
		ms = next - now < 0 ? 0 : next - now;
	return (int)ms;
}

/*
 * The child has been reaped but something (a grandchild it left behind)
 * still holds the pipes: give it RUN_KILL_GRACE seconds to finish its
 * output, then end the rest of the group and stop reading.
 */
static void
run_drain_check(struct run_state *st, int64_t now)
{
	if (!st->reaped || (st->fd[0] < 0 && st->fd[1] < 0))
		return;
	if (st->drain_until == 0) {
		st->drain_until = now + RUN_KILL_GRACE * 1000;
		return;
	}
	if (now < st->drain_until)
		return;
	/*
	 * XXX: the leader is reaped, so its pid could in theory be reused
	 * as a new group's id; a member still holding our pipe keeps the
	 * group, so the window is a process outside it holding the pipe.
	 */
	if (kill(-st->pid, SIGKILL) < 0 && errno != ESRCH)
		log_warn("signal process group %ld: %s", (long)st->pid,
		    strerror(errno));
	run_close(&st->fd[0]);
	run_close(&st->fd[1]);
}

/* Copy output until both pipes close and the child is reaped. */
static void
run_wait(struct run *r, struct run_state *st)
{
	struct pollfd pfd[2];
	int64_t now;
	int i, n;

	for (;;) {
		now = run_now();
		run_check_time(r, st, now);
		run_reap(st, WNOHANG);
		run_drain_check(st, now);
		if (st->reaped && st->fd[0] < 0 && st->fd[1] < 0)
			return;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = st->fd[i];	/* negative: ignored */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 2, run_poll_ms(st, now));
		if (n < 0 && errno != EINTR) {
			log_warn("poll output of '%s': %s", r->argv[0],
			    strerror(errno));
			run_close(&st->fd[0]);
			run_close(&st->fd[1]);
		}
		for (i = 0; n > 0 && i < 2; i++)
			if (pfd[i].revents != 0)
				run_read(r, st, i);
	}
}

int
run_command(struct run *r)
{
	struct run_state st = { .pid = -1, .fd = { -1, -1 } };
	struct sigaction ign, old;
	int ret = -1, saved;

	r->status = 0;
	r->timed_out = r->interrupted = false;
	r->outlen = r->taillen = 0;
	r->tail[0] = '\0';
	free(r->out);
	r->out = r->capture ? xstrdup("") : NULL;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) < 0)
		return log_errno("ignore SIGPIPE");

	if (run_spawn(r, &st) < 0) {
		log_errno("run '%s'", r->argv[0]);
		goto out;
	}
	if (r->timeout > 0)
		st.deadline = run_now() + (int64_t)r->timeout * 1000;
	run_wait(r, &st);

	if (WIFSIGNALED(st.wstatus))
		r->status = 128 + WTERMSIG(st.wstatus);
	else
		r->status = WEXITSTATUS(st.wstatus);
	ret = 0;
out:
	/* Restoring cannot fail for an action sigaction() gave us. */
	saved = errno;
	sigaction(SIGPIPE, &old, NULL);
	errno = saved;
	return ret;
}

void
run_release(struct run *r)
{
	free(r->out);
	r->out = NULL;
	r->outlen = 0;
}

/*
 * True when the environment of process pid holds the entry marker exactly.
 * A process we may not read, or that is gone, does not.
 */
static bool
run_has_marker(const char *pid, const char *marker)
{
	char path[PATH_MAX], *env = NULL, *p;
	size_t len, mlen = strlen(marker);
	bool found = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read_all(fd, RUN_CAPTURE_MAX, &env, &len) == 0) {
		for (p = env; p < env + len && !found; p += strlen(p) + 1)
			found = strlen(p) == mlen &&
			    memcmp(p, marker, mlen) == 0;
		free(env);
	}
	close(fd);
	return found;
}

/*
 * Send sig to the process group of every process that carries marker
 * (never to our own group).  Returns how many processes carry it.
 */
static int
run_signal_marked(const char *marker, int sig)
{
	DIR *proc;
	struct dirent *de;
	pid_t pid, pgid, self = getpgrp();
	int n = 0;

	if ((proc = opendir("/proc")) == NULL)
		return log_errno("read '/proc'");
	while ((de = readdir(proc)) != NULL) {
		if (strspn(de->d_name, "0123456789") != strlen(de->d_name) ||
		    !run_has_marker(de->d_name, marker))
			continue;
		pid = (pid_t)atol(de->d_name);
		pgid = getpgid(pid);
		n++;
		if (pgid > 0 && pgid != self)
			kill(-pgid, sig);
		else
			kill(pid, sig);
	}
	closedir(proc);
	return n;
}

int
run_kill_marked(const char *marker)
{
	int64_t until = run_now() + RUN_KILL_GRACE * 1000;
	int n, first;

	first = n = run_signal_marked(marker, SIGTERM);
	while (n > 0 && run_now() < until) {
		poll(NULL, 0, RUN_POLL_MS);
		n = run_signal_marked(marker, 0);
	}
	if (n > 0)
		n = run_signal_marked(marker, SIGKILL);
	return n < 0 ? -1 : first;
}
