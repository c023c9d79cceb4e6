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

t_cleanup() {
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

# make_app DIR: a work repository shaped like the real application: a
# Dockerfile.worker with ARG WITH_OCR that needs no registry (FROM scratch
# plus a static busybox), a compose file, a few hundred files in nested
# folders, an executable script and a symlink.  One commit on main.
make_app() {
	d=$1
	git init -q "$d"
	mkdir -p "$d/bin" "$d/scripts"
	cp "$BUSYBOX" "$d/bin/busybox"
	cat >"$d/Dockerfile.worker" <<'DOCKERFILE'
FROM scratch
ARG WITH_OCR=false
ARG GIT_SHA=unknown
COPY bin/busybox /bin/busybox
COPY src /app/src
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /etc && echo \"ocr=$WITH_OCR sha=$GIT_SHA\" > /etc/worker-flavor"]
CMD ["/bin/busybox", "sleep", "3600"]
DOCKERFILE
	cat >"$d/docker-compose.workers.yml" <<'COMPOSE'
services:
  orchestrator:
    image: fiskai-worker-orchestrator:${IMAGE_TAG:-latest}
  ocr:
    image: fiskai-worker-ocr:${IMAGE_TAG:-latest}
COMPOSE
	i=0
	while [ $i -lt 20 ]; do
		j=0
		mkdir -p "$d/src/mod$i/sub"
		while [ $j -lt 10 ]; do
			echo "module $i file $j" >"$d/src/mod$i/f$j.txt"
			echo "nested $i $j" >"$d/src/mod$i/sub/n$j.txt"
			j=$((j + 1))
		done
		i=$((i + 1))
	done
	printf '#!/bin/sh\necho run\n' >"$d/scripts/run.sh"
	chmod 755 "$d/scripts/run.sh"
	ln -s scripts/run.sh "$d/run-link"
	git -C "$d" add -A
	git -C "$d" commit -q -m "initial application"
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
