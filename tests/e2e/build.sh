#!/bin/sh
# pushbuild build: the old build-workers.sh in the foreground, outside the
# queue: --base, --ocr, --all, a revision, output on the terminal.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
make_standin_compose "$T/compose"
setup_pushed_app
rm -f "$T"/spool/new/*
mkdir -p "$T/workers"
sed -i "s|^enabled = no|enabled = yes\ndirectory = $T/workers\ncompose = $T/compose|" "$T/pushbuild.ini"

# builds, tags: the images built (-t) and the tags moved, in order.
builds() {
	sed -n 's/.*|build|.*|-t|\([^|]*\)|.*/\1/p' "$T/engine.calls" |
	    tr '\n' ' '
}
tags() {
	sed -n 's/.*|tag|[^|]*|//p' "$T/engine.calls" | tr '\n' ' '
}

rc=0
"$PB" build --base >"$T/out" 2>&1 || rc=$?
is "build --base exits 0" "$rc" 0
ok "the engine's output is streamed" grep -q 'STEP 1/1' "$T/out"
is "it built only the base image of the default branch" "$(builds)" \
    "fiskai-worker:$SHORT "
is "and moved only the base tags" "$(tags)" \
    "fiskai-worker:latest fiskai-worker-orchestrator:latest fiskai-worker-sentinel:latest fiskai-worker-extractor:latest fiskai-worker-composer:latest "
ok "a partial build restarts nothing" test ! -e "$T/compose.calls"
is "it queued nothing" "$(jobs_in new)$(jobs_in done)" 00

: >"$T/engine.calls"
"$PB" build --ocr >/dev/null 2>&1
is "build --ocr builds only the ocr image" "$(builds)" \
    "fiskai-worker-ocr:$SHORT "

echo two >"$T/app/two.txt"
git -C "$T/app" add two.txt
git -C "$T/app" commit -q -m two
git -C "$T/app" push -q vps HEAD:refs/heads/feature 2>/dev/null
: >"$T/engine.calls"
rc=0
"$PB" build --all feature >"$T/out" 2>&1 || rc=$?
is "build --all of another branch exits 0" "$rc" 0
SHORT2=$(git -C "$T/app" rev-parse --short=7 HEAD)
is "it built both images of that commit" "$(builds)" \
    "fiskai-worker:$SHORT2 fiskai-worker-ocr:$SHORT2 "
is "and restarted the workers (down, up, ps)" \
    "$(wc -l <"$T/compose.calls")" 3

rc=0
"$PB" build no-such-rev >"$T/out" 2>&1 || rc=$?
is "an unknown revision exits 65" "$rc" 65
rc=0
"$PB" build --image nope >"$T/out" 2>&1 || rc=$?
is "an unknown image exits 65" "$rc" 65
ok "and names it" grep -q "nope" "$T/out"

flock "$T/spool/lock" sleep 3 &
holder=$!
sleep 0.5
rc=0
"$PB" build --base >"$T/out" 2>&1 || rc=$?
is "build while a builder runs exits 75" "$rc" 75
ok "and says why" grep -q 'another builder is running' "$T/out"
wait "$holder"
done_testing
