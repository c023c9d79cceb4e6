/*
 * cmds.h - the commands of pushbuild that live in their own files.
 *
 * Each cmd_NAME takes the loaded configuration and the command's own
 * arguments (argv[0] is the command name, getopt's optind is reset) and
 * returns an exit code from sysexits.h.  Only main exits.
 */
#ifndef PUSHBUILD_CMDS_H
#define PUSHBUILD_CMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* Print the synopsis of every command to stderr; EX_USAGE (pushbuild.c). */
int usage(void);

/* pushbuild status [--json]: the queue at a glance (status.c). */
int cmd_status(const struct conf *cf, int argc, char **argv);

/* pushbuild log [-f] job: a job's build log (log.c). */
int cmd_log(const struct conf *cf, int argc, char **argv);

/* pushbuild check: one line per check of the setup (check.c). */
int cmd_check(const struct conf *cf, int argc, char **argv);

/*
 * pushbuild check when the file at path did not load (conf_load has said
 * why): the one problem line.  Returns the exit code (check.c).
 */
int cmd_check_unloaded(const char *path);

/* pushbuild install-hook [--copy] [--force] mirror (install-hook.c). */
int cmd_install_hook(const struct conf *cf, int argc, char **argv);

/* pushbuild metrics: write the metrics file now (metrics.c). */
int cmd_metrics(const struct conf *cf, int argc, char **argv);

/*
 * The pushbuild-hook program to install: $PUSHBUILD_HOOK, else the one
 * beside the running pushbuild, else BINDIR's.  A new string, or NULL
 * when none exists (reported).  (install-hook.c)
 */
char *install_hook_program(void);

/*
 * Whether the hook file at path (followed if a symlink) runs pushbuild:
 * the same file as program (a symlink to it), a byte-for-byte copy, or a
 * script that names pushbuild-hook.  Returns 1 when it does, 0 when not
 * (the reason in why), -1 when path cannot be read (reason in why,
 * nothing printed).  (install-hook.c)
 */
int install_hook_is_ours(const char *path, const char *program, char *why,
    size_t whysize);

#endif
