#!/bin/sh
# Failures: a transient one waits in failed/ and pushbuild retry builds it
# when due; a permanent one is dead at once; attempts are bounded.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
sed -i 's/^max_attempts = 3/max_attempts = 3\nbackoff = 2\nbackoff_max = 2/' \
    "$T/pushbuild.ini"

echo 1 >"$T/engine.fail"
echo 1 >"$T/engine.fail.count"
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "a failed build makes drain exit 75" "$rc" 75
is "the job waits in failed/" "$(jobs_in failed)" 1
is "as failed" "$(job_field failed result)" failed
is "after one attempt" "$(job_field failed attempts)" 1
ok "with the reason" grep -q '^error=.*exit status 1' "$T"/spool/failed/[0-9]*
next=$(job_field failed next_try)
ok "its next try is in the future" test "$next" -gt "$(date +%s)"
ok "and no tag moved" sh -c "! grep -q '|tag|' '$T/engine.calls'"

rc=0
"$PB" retry >"$T/out" 2>&1 || rc=$?
is "retry before the job is due exits 0" "$rc" 0
is "and prints nothing" "$(cat "$T/out")" ""
is "the job still waits" "$(jobs_in failed)" 1

sleep 3
rc=0
"$PB" retry >"$T/out" 2>&1 || rc=$?
is "retry when due exits 0" "$rc" 0
is "the job is done" "$(jobs_in done)" 1
is "built" "$(job_field done result)" built
is "on its second attempt" "$(job_field done attempts)" 2
is "failed/ is empty" "$(jobs_in failed)" 0

# A failed job whose ref was pushed again and built meanwhile is
# superseded by retry, so :latest never moves back to the older commit.
rm -f "$T"/spool/done/*
echo 1 >"$T/engine.fail"
echo 1 >"$T/engine.fail.count"
echo older >"$T/app/older.txt"
git -C "$T/app" add older.txt
git -C "$T/app" commit -q -m older
git -C "$T/app" push -q vps main 2>/dev/null
"$PB" drain >/dev/null 2>&1 || true
is "the older push failed" "$(job_field failed result)" failed
echo newer >"$T/app/newer.txt"
git -C "$T/app" add newer.txt
git -C "$T/app" commit -q -m newer
git -C "$T/app" push -q vps main 2>/dev/null
"$PB" drain >/dev/null 2>&1
is "the newer push built" "$(job_field done result)" built
: >"$T/engine.calls"
sleep 3
"$PB" retry >/dev/null 2>&1
is "retry supersedes the older job" \
    "$(grep -l '^result=superseded' "$T"/spool/done/* | wc -l)" 1
ok "and builds nothing" sh -c "! grep -q '|build|' '$T/engine.calls'"
rm -f "$T"/spool/done/*

# Permanent: no Dockerfile.worker at the commit.
rm -f "$T"/spool/done/*
git -C "$T/app" rm -q Dockerfile.worker
git -C "$T/app" commit -q -m "drop the dockerfile"
git -C "$T/app" push -q vps main 2>/dev/null
"$PB" drain >"$T/out" 2>&1 || true
is "no Dockerfile.worker is dead at once" "$(job_field failed result)" dead
ok "with the reason" grep -q '^error=.*Dockerfile.worker' "$T"/spool/failed/[0-9]*
sleep 3
"$PB" retry >"$T/out" 2>&1 || true
is "retry leaves a dead job alone" "$(jobs_in failed)" 1
rm -f "$T"/spool/failed/*

# Out of attempts: dead after max_attempts.
git -C "$T/app" revert --no-edit HEAD >/dev/null
git -C "$T/app" push -q vps main 2>/dev/null
echo 1 >"$T/engine.fail"
"$PB" drain >/dev/null 2>&1 || true
sleep 3
"$PB" retry >/dev/null 2>&1 || true
sleep 3
"$PB" retry >/dev/null 2>&1 || true
is "after three failed attempts the job is dead" \
    "$(job_field failed result)" dead
is "with three attempts" "$(job_field failed attempts)" 3

# An operator requeues the dead job by hand, with its attempts reset.
dead=$(ls "$T/spool/failed")
rm -f "$T/engine.fail"
rc=0
"$PB" requeue "$dead" >"$T/out" 2>&1 || rc=$?
is "requeue exits 0" "$rc" 0
ok "and says what it requeued" grep -q "requeued .* (job $dead)" "$T/out"
is "the job is pending again" "$(ls "$T/spool/new")" "$dead"
is "with no attempts counted" "$(job_field new attempts)" ""
"$PB" drain >/dev/null 2>&1
is "and then it builds" "$(job_field done result)" built
rc=0
"$PB" requeue "$dead" >"$T/out" 2>&1 || rc=$?
is "requeue of a job not in failed/ exits 66" "$rc" 66
rc=0
"$PB" requeue ../done/x >"$T/out" 2>&1 || rc=$?
is "requeue of a path exits 64" "$rc" 64
done_testing
