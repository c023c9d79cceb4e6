#!/bin/sh
# pushbuild log: a job's log by its name or a unique prefix; -f follows
# it while the job is pending or building, and stops when it is done.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
job=$(ls "$T/spool/new")

rc=0
"$PB" log "$job" >"$T/out" 2>&1 || rc=$?
is "a pending job has no log yet" "$rc" 66
ok "and log says so" grep -q 'no log yet' "$T/out"

"$PB" drain >/dev/null 2>&1
"$PB" log "$job" >"$T/out"
ok "the log of a built job" grep -q '^STEP 1/1: FROM scratch' "$T/out"
"$PB" log "$(echo "$job" | cut -c1-14)" >"$T/out2"
ok "a unique prefix names the same log" cmp "$T/out" "$T/out2"

"$PB" enqueue main >/dev/null 2>&1
rc=0
"$PB" log "$(echo "$job" | cut -c1-3)" >"$T/out" 2>&1 || rc=$?
is "an ambiguous prefix is a usage error" "$rc" 64
ok "that names the count" grep -q "ambiguous, 2 jobs" "$T/out"
rc=0
"$PB" log 0000 >"$T/out" 2>&1 || rc=$?
is "no such job" "$rc" 66
rc=0
"$PB" log ../lock >"$T/out" 2>&1 || rc=$?
is "a path is not a job name" "$rc" 64

# Follow a slow build from before it starts to its end.
job=$(ls "$T/spool/new")
echo 2 >"$T/engine.sleep"
"$PB" log -f "$job" >"$T/follow" 2>&1 &
follower=$!
sleep 0.5
"$PB" drain >/dev/null 2>&1
i=0
while kill -0 $follower 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
ok "log -f ends when the job is done" sh -c "! kill -0 $follower"
wait $follower
is "log -f exits 0" "$?" 0
"$PB" log "$job" >"$T/whole"
ok "log -f printed the whole log" cmp "$T/follow" "$T/whole"
ok "which holds the last step" grep -q 'tag' "$T/follow"

# Only a regular file is a log: a FIFO or a symlink planted in log/ is
# refused at once, never waited on or followed.
mkfifo "$T/spool/log/9fifo"
ln -s /etc/passwd "$T/spool/log/9link"
rc=0
timeout 5 "$PB" log 9fifo >"$T/out" 2>&1 || rc=$?
is "a FIFO as a log exits 66 at once" "$rc" 66
ok "saying it is not a regular file" grep -q "not a regular file" "$T/out"
rc=0
"$PB" log 9link >"$T/out" 2>&1 || rc=$?
is "a symlink as a log exits 66" "$rc" 66
ok "and nothing of its target is shown" sh -c "! grep -q root: '$T/out'"
done_testing
