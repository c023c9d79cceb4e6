#!/bin/sh
# pushbuild metrics: the textfile for node_exporter, written now; a
# config without [metrics] textfile is refused.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app

rc=0
"$PB" metrics >"$T/out" 2>&1 || rc=$?
is "without a textfile metrics exits 78" "$rc" 78
ok "and says which key" grep -q 'no \[metrics\] textfile' "$T/out"

mkdir "$T/textfile"
printf '\n[metrics]\ntextfile = %s\n' "$T/textfile/pushbuild.prom" \
    >>"$T/pushbuild.ini"
"$PB" metrics
is "one pending job" \
    "$(grep '^pushbuild_jobs{state="pending"}' "$T/textfile/pushbuild.prom")" \
    'pushbuild_jobs{state="pending"} 1'
"$PB" drain >/dev/null 2>&1
is "none pending after a drain, which wrote the file itself" \
    "$(grep '^pushbuild_jobs{state="pending"}' "$T/textfile/pushbuild.prom")" \
    'pushbuild_jobs{state="pending"} 0'
is "one done" \
    "$(grep '^pushbuild_jobs{state="done"}' "$T/textfile/pushbuild.prom")" \
    'pushbuild_jobs{state="done"} 1'
ok "a last success time" \
    grep -q '^pushbuild_last_success_timestamp_seconds [1-9][0-9]*$' \
    "$T/textfile/pushbuild.prom"
is "only the .prom file in the directory" "$(ls -A "$T/textfile")" \
    pushbuild.prom
done_testing
