# tests/e2e/lib.sh - shared by the end-to-end tests; sourced, not run.
#
# Every test works under one temporary directory, removed on exit, with
# real git, a real bare mirror with the built hook, and (where it builds)
# real podman on vfs storage in a private root.  Output is TAP.

set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PB=$top_builddir/builder/pushbuild
HOOK=$top_builddir/hook/pushbuild-hook
BUSYBOX=${BUSYBOX:-/bin/busybox}

T=$(mktemp -d "${TMPDIR:-/tmp}/pushbuild-e2e.XXXXXX")
t_count=0
t_failed=0

# Filled in by tests: mount points to unmount, users and groups to delete,
# and background processes to kill, all on exit, before the tree goes.
T_UMOUNTS=
T_USERS=
T_GROUPS=
T_PIDS=

t_cleanup() {
	for p in $T_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for m in $T_UMOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	for u in $T_USERS; do
		userdel "$u" 2>/dev/null || true
	done
	for g in $T_GROUPS; do
		groupdel "$g" 2>/dev/null || true
	done

	# podman's vfs layers can be large; a failed test keeps its tree
	# when PUSHBUILD_KEEP is set, for a look afterwards.
	if [ -n "${PUSHBUILD_KEEP:-}" ]; then
		echo "# kept $T"
	else
		chmod -R u+w "$T" 2>/dev/null || true
		rm -rf "$T"
	fi
}
trap t_cleanup EXIT

export GIT_AUTHOR_NAME=pushbuild GIT_AUTHOR_EMAIL=pb@example.invalid
export GIT_COMMITTER_NAME=pushbuild GIT_COMMITTER_EMAIL=pb@example.invalid
export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# ok DESCRIPTION COMMAND...: one TAP line for the command's success.
ok() {
	desc=$1
	shift
	t_count=$((t_count + 1))
	if "$@" >"$T/.ok.out" 2>&1; then
		echo "ok $t_count - $desc"
	else
		t_failed=$((t_failed + 1))
		echo "not ok $t_count - $desc"
		sed 's/^/# /' "$T/.ok.out"
	fi
}

# is DESCRIPTION GOT WANT: one TAP line for string equality.
is() {
	t_count=$((t_count + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $t_count - $1"
	else
		t_failed=$((t_failed + 1))
		echo "not ok $t_count - $1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

# done_testing: the TAP plan, last.
done_testing() {
	echo "1..$t_count"
}

# bail MESSAGE: stop the whole script as failed.
bail() {
	echo "Bail out! $*"
	exit 1
}

# make_app DIR: a work repository shaped like the real application (see
# demo/make-app), one commit on main.
make_app() {
	BUSYBOX=$BUSYBOX "$top_srcdir/demo/make-app" "$1"
}

# make_mirror DIR CONFIG: a bare mirror with the built hook installed as
# hooks/post-receive and pushbuild.config pointing at CONFIG.
make_mirror() {
	git init -q --bare "$1"
	cp "$HOOK" "$1/hooks/post-receive"
	git -C "$1" config pushbuild.config "$2"
}

# write_config FILE MIRROR [ENGINE]: a config for this test tree.  The
# engine is podman on vfs storage in a private root by default.
write_config() {
	engine=${3:-podman}
	cat >"$1" <<INI
[repository]
path = $2
refs = refs/heads/main refs/tags/v*

[spool]
dir = $T/spool

[builder]
arch = $(uname -m)
engine = $engine
engine_options = --root $T/podman/root --runroot $T/podman/run --storage-driver vfs
build_options = --isolation chroot
workdir = $T/work
timeout = 600

[image base]
repository = fiskai-worker
build_args = WITH_OCR=false
workers = orchestrator sentinel extractor composer

[image ocr]
repository = fiskai-worker-ocr
build_args = WITH_OCR=true
workers = ocr

[restart]
enabled = no

[retry]
max_attempts = 3
INI
}

# podman_t ARGS...: podman on the test's private storage.
podman_t() {
	podman --root "$T/podman/root" --runroot "$T/podman/run" \
	    --storage-driver vfs "$@"
}

# jobs_in DIR: how many job files the spool's DIR holds.
jobs_in() {
	find "$T/spool/$1" -maxdepth 1 -type f ! -name '.*' | wc -l
}

# job_field DIR KEY: the value of KEY in the only job file of DIR.
job_field() {
	sed -n "s/^$2=//p" "$T"/spool/"$1"/[0-9]*
}

# make_standin_engine PATH: a recording stand-in for docker, for argument
# checks and failure injection beside the real engine.  Each call appends
# one line "ARGS..." (arguments joined by '|') to $T/engine.calls.  A
# build exits with the status in $T/engine.fail when that file exists
# (removed after MAX uses when $T/engine.fail.count holds MAX), sleeps
# $T/engine.sleep seconds when that file exists; "image inspect",
# "version" and "info" print $T/engine.arch (default amd64), or fail when
# $T/engine.down exists.
make_standin_engine() {
	cat >"$1" <<EOS
#!/bin/sh
T='$T'
EOS
	cat >>"$1" <<'EOS'
line=
for a in "$@"; do line="$line|$a"; done
echo "${line#|}" >>"$T/engine.calls"
case " $* " in
*" build "*)
	for a in "$@"; do
		case $a in GIT_SHA=*) echo "${a#GIT_SHA=}" >"$T/engine.built" ;; esac
	done
	echo "STEP 1/1: FROM scratch"
	if [ -f "$T/engine.sleep" ]; then
		echo $$ >"$T/engine.pid"
		sleep "$(cat "$T/engine.sleep")"
	fi
	if [ -f "$T/engine.fail" ]; then
		code=$(cat "$T/engine.fail")
		if [ -f "$T/engine.fail.count" ]; then
			n=$(($(cat "$T/engine.fail.count") - 1))
			echo $n >"$T/engine.fail.count"
			[ $n -gt 0 ] || rm -f "$T/engine.fail" "$T/engine.fail.count"
		fi
		[ -f "$T/engine.message" ] && cat "$T/engine.message" >&2
		exit "$code"
	fi
	;;
*" container inspect "*)
	# A worker runs $T/container.sha, or else what was built last.
	cat "$T/container.sha" 2>/dev/null || cat "$T/engine.built"
	;;
*" inspect "*|*" version "*|*" info "*)
	if [ -f "$T/engine.down" ]; then
		echo "Cannot connect to the engine" >&2
		exit 1
	fi
	if [ -f "$T/engine.arch" ]; then cat "$T/engine.arch"; else echo amd64; fi
	;;
esac
exit 0
EOS
	chmod 755 "$1"
}

# make_standin_compose PATH: a recording stand-in for "docker compose".
# Each call appends "cwd=DIR IMAGE_TAG=... EXPECTED_GIT_SHA=... ARGS" to
# $T/compose.calls; "ps" names one container, which the stand-in engine
# says runs $T/container.sha, or else the commit it built last.
make_standin_compose() {
	cat >"$1" <<EOS
#!/bin/sh
T='$T'
EOS
	cat >>"$1" <<'EOS'
line=
for a in "$@"; do line="$line|$a"; done
echo "cwd=$(pwd) IMAGE_TAG=${IMAGE_TAG-unset} EXPECTED_GIT_SHA=${EXPECTED_GIT_SHA-unset} ${line#|}" >>"$T/compose.calls"
case " $* " in
*" ps "*) echo 0123456789abcdef ;;
esac
exit 0
EOS
	chmod 755 "$1"
}

# setup_pushed_app: app clone in $T/app, mirror in $T/mirror.git, config
# $T/pushbuild.ini (engine ${ENGINE:-podman}), main pushed once.  Sets
# SHA to the pushed commit and SHORT to its first 7 digits.
setup_pushed_app() {
	make_app "$T/app"
	write_config "$T/pushbuild.ini" "$T/mirror.git" "${ENGINE:-podman}"
	make_mirror "$T/mirror.git" "$T/pushbuild.ini"
	git -C "$T/app" remote add vps "$T/mirror.git"
	git -C "$T/app" push -q vps main 2>"$T/push.out"
	SHA=$(git -C "$T/app" rev-parse HEAD)
	SHORT=$(echo "$SHA" | cut -c1-7)
	export PUSHBUILD_CONFIG="$T/pushbuild.ini"
}

# gone PID: the process has ended (a zombie counts: PID 1 may not reap
# orphans in a container).
gone() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	""|Z*) return 0 ;;
	*) return 1 ;;
	esac
}
