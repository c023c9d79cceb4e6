#!/bin/sh
# pushbuild enqueue: a commit queued by hand, through the hook's code.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
rm -f "$T"/spool/new/*

rc=0
"$PB" enqueue main >"$T/out" 2>&1 || rc=$?
is "enqueue main exits 0" "$rc" 0
ok "it says what it queued" grep -q "queued $(echo "$SHA" | cut -c1-12) refs/heads/main" "$T/out"
is "one job" "$(jobs_in new)" 1
is "its commit" "$(job_field new commit)" "$SHA"
is "its ref" "$(job_field new ref)" "refs/heads/main"
is "its source" "$(job_field new source)" "manual"
rm -f "$T"/spool/new/*

"$PB" enqueue "$SHA" >/dev/null
is "a full id queues with no ref" "$(job_field new ref)" ""
rm -f "$T"/spool/new/*

"$PB" enqueue --ref refs/heads/main "$SHA" >/dev/null
is "--ref names the ref" "$(job_field new ref)" "refs/heads/main"
rm -f "$T"/spool/new/*

"$PB" enqueue "$SHA" main >/dev/null
is "a branch after a commit id still records its ref" \
    "$(cat "$T"/spool/new/* | sed -n 's/^ref=//p' | tr '\n' ' ')" \
    " refs/heads/main "
rm -f "$T"/spool/new/*

"$PB" enqueue "$(echo "$SHA" | cut -c1-12)" >/dev/null
is "the 12-digit id that status shows queues the commit" \
    "$(job_field new commit)" "$SHA"
rm -f "$T"/spool/new/*
rc=0
"$PB" enqueue "$(echo "$SHA" | cut -c1-5)" >"$T/out" 2>&1 || rc=$?
is "5 digits are too few: exit 65" "$rc" 65
ok "and the message says what a revision may be" \
    grep -q "not a branch, a tag or a commit id" "$T/out"

git -C "$T/app" tag -a -m release v1.0
git -C "$T/app" push -q vps v1.0 2>/dev/null
rm -f "$T"/spool/new/*
"$PB" enqueue v1.0 >/dev/null
is "a tag name queues the peeled commit" "$(job_field new commit)" "$SHA"
is "with the tag's ref" "$(job_field new ref)" "refs/tags/v1.0"
rm -f "$T"/spool/new/*

rc=0
"$PB" status >/dev/full 2>"$T/out" || rc=$?
is "status that cannot write its output exits 74" "$rc" 74
ok "and says so" grep -q 'write standard output' "$T/out"

rc=0
"$PB" enqueue no-such-branch >"$T/out" 2>&1 || rc=$?
is "an unknown name exits 65" "$rc" 65
ok "and says so" grep -q "unknown revision 'no-such-branch'" "$T/out"
is "nothing queued" "$(jobs_in new)" 0

echo change >"$T/app/change.txt"
git -C "$T/app" add change.txt
git -C "$T/app" commit -q -m change
git -C "$T/app" push -q vps HEAD:refs/heads/twin 2>/dev/null
git -C "$T/app" push -q vps "$SHA:refs/tags/twin" 2>/dev/null
rm -f "$T"/spool/new/*
rc=0
"$PB" enqueue twin >"$T/out" 2>&1 || rc=$?
is "a name both branch and tag exits 65" "$rc" 65
ok "and says it is ambiguous" grep -q "ambiguous" "$T/out"
is "nothing queued for it" "$(jobs_in new)" 0
done_testing
