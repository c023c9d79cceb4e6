#!/bin/sh
# [restart]: after every image built and tagged, compose down then up -d
# in the configured directory with IMAGE_TAG and EXPECTED_GIT_SHA set.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
make_standin_compose "$T/compose"
setup_pushed_app
mkdir -p "$T/workers"
sed -i "s|^enabled = no|enabled = yes\ndirectory = $T/workers\ncompose = $T/compose\nproject = fiskai|" "$T/pushbuild.ini"

rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "drain exits 0" "$rc" 0
is "compose ran twice" "$(wc -l <"$T/compose.calls")" 2
is "first down, in the workers directory, with the tag" \
    "$(sed -n 1p "$T/compose.calls")" \
    "cwd=$T/workers IMAGE_TAG=$SHORT EXPECTED_GIT_SHA=$SHA -p|fiskai|-f|docker-compose.workers.yml|down"
is "then up -d" "$(sed -n 2p "$T/compose.calls")" \
    "cwd=$T/workers IMAGE_TAG=$SHORT EXPECTED_GIT_SHA=$SHA -p|fiskai|-f|docker-compose.workers.yml|up|-d"
last_tag=$(grep -n '|tag|' "$T/engine.calls" | tail -n 1 | cut -d: -f1)
is "every tag moved before the restart" "$last_tag" \
    "$(wc -l <"$T/engine.calls")"

# A failed build restarts nothing.
echo 1 >"$T/engine.fail"
: >"$T/compose.calls"
"$PB" enqueue main >/dev/null
"$PB" drain >"$T/out" 2>&1 || true
is "a failed build runs no compose" "$(wc -l <"$T/compose.calls")" 0
done_testing
