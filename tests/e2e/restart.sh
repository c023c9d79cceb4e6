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
is "compose ran three times" "$(wc -l <"$T/compose.calls")" 3
is "first down, in the workers directory, with the tag" \
    "$(sed -n 1p "$T/compose.calls")" \
    "cwd=$T/workers IMAGE_TAG=$SHORT EXPECTED_GIT_SHA=$SHA -p|fiskai|-f|docker-compose.workers.yml|down"
is "then up -d" "$(sed -n 2p "$T/compose.calls")" \
    "cwd=$T/workers IMAGE_TAG=$SHORT EXPECTED_GIT_SHA=$SHA -p|fiskai|-f|docker-compose.workers.yml|up|-d"
is "then ps, to verify what runs" "$(sed -n 3p "$T/compose.calls")" \
    "cwd=$T/workers IMAGE_TAG=$SHORT EXPECTED_GIT_SHA=$SHA -p|fiskai|-f|docker-compose.workers.yml|ps|-q"
ok "the engine was asked what the worker runs" \
    grep -q '|container|inspect|--format|{{index .Config.Labels "GIT_SHA"}}|0123456789abcdef$' "$T/engine.calls"
last_tag=$(grep -n '|tag|' "$T/engine.calls" | tail -n 1 | cut -d: -f1)
is "every tag moved before the restart" "$last_tag" \
    "$(($(wc -l <"$T/engine.calls") - 1))"
ok "compose never removes volumes" sh -c "! grep -q -- '-v\\|--volumes' '$T/compose.calls'"

# The stale-worker incident: after up -d a worker still runs the old
# commit.  The job fails for good, loudly.
OLD=$SHA
echo stale >"$T/app/stale.txt"
git -C "$T/app" add stale.txt
git -C "$T/app" commit -q -m stale
git -C "$T/app" push -q vps main 2>/dev/null
echo "$OLD" >"$T/container.sha"
rm -f "$T"/spool/done/*
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "a stale worker makes drain exit 75" "$rc" 75
is "the job is dead" "$(job_field failed result)" dead
ok "naming the container and its commit" \
    grep -q "^error=worker container 0123456789ab runs $OLD, not the built commit" "$T"/spool/failed/[0-9]*
ok "the builder said so" grep -q "worker container 0123456789ab runs $OLD" "$T/out"
rm -f "$T/container.sha" "$T"/spool/failed/*

# A restart directory that is not there is said as such.
sed -i "s|^directory = .*|directory = $T/no-such-dir|" "$T/pushbuild.ini"
"$PB" enqueue --force main >/dev/null
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
ok "a missing restart directory is named" grep -q "restart in '$T/no-such-dir': No such file or directory" "$T/out"
sed -i "s|^directory = .*|directory = $T/workers|" "$T/pushbuild.ini"
rm -f "$T"/spool/failed/*

# A failed build restarts nothing.
echo 1 >"$T/engine.fail"
: >"$T/compose.calls"
"$PB" enqueue main >/dev/null
"$PB" drain >"$T/out" 2>&1 || true
is "a failed build runs no compose" "$(wc -l <"$T/compose.calls")" 0
done_testing
