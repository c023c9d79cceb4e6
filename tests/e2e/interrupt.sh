#!/bin/sh
# A builder stopped by SIGTERM ends the engine's process group and
# requeues its job; one killed by SIGKILL leaves the job in active/ and the
# next run puts it back; a second builder leaves the queue to the first.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app

# wait_for FILE: up to 10 s for FILE to appear.
wait_for() {
	n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -s "$1" ]
}

echo 30 >"$T/engine.sleep"
"$PB" drain >"$T/out" 2>&1 &
pid=$!
ok "the engine started" wait_for "$T/engine.pid"
engine=$(cat "$T/engine.pid")
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "SIGTERM: the builder exits 143" "$rc" 143
ok "the engine's process is gone" gone "$engine"
is "the job is back in new/" "$(jobs_in new)" 1
is "with no attempt counted" "$(job_field new attempts)" ""
is "nothing in active/" "$(jobs_in active)" 0

# A second builder while one holds the lock: exit 0, silent, queue kept.
flock "$T/spool/lock" sleep 3 &
holder=$!
sleep 0.5
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "a second builder exits 0" "$rc" 0
is "silently (not on a terminal)" "$(cat "$T/out")" ""
is "and leaves the job pending" "$(jobs_in new)" 1
wait "$holder"

rm -f "$T/engine.pid"
"$PB" drain >"$T/out" 2>&1 &
pid=$!
ok "the engine started again" wait_for "$T/engine.pid"
engine=$(cat "$T/engine.pid")
is "the run file names the builder" "$(sed -n 's/^pid=//p' "$T/spool/run")" \
    "$pid"
is "and its job" "$(sed -n 's/^job=//p' "$T/spool/run")" \
    "$(ls "$T/spool/active")"
kill -KILL "$pid"
wait "$pid" || true
is "SIGKILL: the job stays in active/" "$(jobs_in active)" 1
is "the orphaned engine still runs" \
    "$(gone "$engine" && echo gone || echo running)" running

rm -f "$T/engine.sleep"
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "the next run exits 0" "$rc" 0
ok "it ended the orphaned engine first" gone "$engine"
ok "and said so" grep -q 'ended [0-9]* process(es) left by the dead builder' "$T/out"
ok "the run file is gone" test ! -e "$T/spool/run"
is "it built the recovered job" "$(job_field done result)" built
is "counting the interrupted attempt" "$(job_field done attempts)" 2
is "active/ is empty" "$(jobs_in active)" 0
done_testing
