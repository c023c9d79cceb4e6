#!/bin/sh
# [publish]: after a real podman build every tag is pushed to a registry,
# here a real one (Debian's docker-registry) on loopback.  A registry
# that is down fails the job for a retry.
. "$(dirname "$0")/lib.sh"

command -v docker-registry >/dev/null || bail "docker-registry is not installed"
command -v curl >/dev/null || bail "curl is not installed"

# start_registry: on a free port of 127.0.0.1; sets PORT and REGPID.
start_registry() {
	tries=0
	while [ $tries -lt 20 ]; do
		PORT=$((20000 + ($$ + tries * 7919) % 30000))
		cat >"$T/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $T/registry
http:
  addr: 127.0.0.1:$PORT
YML
		docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
		REGPID=$!
		n=0
		while [ $n -lt 50 ]; do
			curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && return 0
			kill -0 $REGPID 2>/dev/null || break
			sleep 0.1
			n=$((n + 1))
		done
		kill $REGPID 2>/dev/null || true
		tries=$((tries + 1))
	done
	bail "no registry could be started"
}
start_registry
trap 'kill $REGPID 2>/dev/null || true; t_cleanup' EXIT

setup_pushed_app
cat >>"$T/pushbuild.ini" <<INI

[publish]
registry = 127.0.0.1:$PORT
push_options = --tls-verify=false
INI

tags() {
	curl -fs "http://127.0.0.1:$PORT/v2/$1/tags/list" |
	    tr -d ' \n' | sed 's/.*"tags":\[\(.*\)\].*/\1/' | tr -d '"' |
	    tr ',' '\n' | sort | tr '\n' ' '
}

rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "drain exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/out"
is "the base image is in the registry by commit and as latest" \
    "$(tags fiskai-worker)" "$SHORT latest "
is "so is the ocr image" "$(tags fiskai-worker-ocr)" "$SHORT latest "
is "and every worker tag" "$(tags fiskai-worker-composer)" "latest "
ok "the log says what was pushed" \
    grep -q "pushed 127.0.0.1:$PORT/fiskai-worker:latest" "$T/out"

# The registry's latest is the image just built: same manifest as by id.
digest() {
	curl -fsI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
	    "http://127.0.0.1:$PORT/v2/fiskai-worker/manifests/$1" |
	    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}
is "latest and the commit's tag are one manifest" "$(digest latest)" \
    "$(digest "$SHORT")"

# A registry that is down: the job fails, to be retried.
kill $REGPID
wait $REGPID 2>/dev/null || true
echo two >"$T/app/two.txt"
git -C "$T/app" add two.txt
git -C "$T/app" commit -q -m two
git -C "$T/app" push -q vps main 2>/dev/null
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "with the registry down drain exits 75" "$rc" 75
is "the job waits for a retry" "$(job_field failed result)" failed
ok "the reason names the push" grep -q "^error=push '127.0.0.1:$PORT/" "$T"/spool/failed/[0-9]*
done_testing
