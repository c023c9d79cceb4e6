#!/bin/sh
# full-disk.sh - a full disk under the spool and under the work
# directory.  With the spool on a small tmpfs filled up, a real push still
# succeeds, the pusher reads one clear error line, and nothing is left in
# new/ or tmp/; once space is freed the next push queues.  A full work
# directory fails the job transiently, with a reason naming the disk.
# Needs root (tmpfs mounts), as in CI.

. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
APP=$T/app
make_standin_engine "$ENGINE"
make_app "$APP"
write_config "$T/pushbuild.ini" "$T/mirror.git" "$ENGINE"
make_mirror "$T/mirror.git" "$T/pushbuild.ini"
git -C "$APP" remote add vps "$T/mirror.git"
export PUSHBUILD_CONFIG="$T/pushbuild.ini"

# mount_small DIR SIZE: a tmpfs of SIZE on DIR, unmounted on exit.
mount_small() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" ||
	    bail "cannot mount a tmpfs on $1"
	T_UMOUNTS="$1 $T_UMOUNTS"
}

# fill DIR: write DIR/fill until the file system says it is full.
fill() {
	if dd if=/dev/zero of="$1/fill" bs=4k >"$T/dd.out" 2>&1; then
		bail "$1 did not fill up"
	fi
	grep -q "No space left on device" "$T/dd.out" ||
	    bail "filling $1: $(cat "$T/dd.out")"
}

# commit_push: one more commit on main, pushed; output in $T/push.out,
# the push's exit status in $push_rc.
commit_push() {
	date +%s%N >>"$APP/src/mod0/f0.txt"
	git -C "$APP" commit -q -a -m "change"
	push_rc=0
	git -C "$APP" push vps main >"$T/push.out" 2>&1 || push_rc=$?
}

# The spool on a 256 KiB tmpfs; a first push makes it and queues.
mount_small "$T/spool" 256k
commit_push
is "a push to the empty small spool queues" "$(jobs_in new)" 1
"$PB" drain >"$T/drain.out" 2>&1 || bail "drain: $(cat "$T/drain.out")"

fill "$T/spool"
commit_push
is "a push to a full spool still succeeds" "$push_rc" 0
is "the pusher reads one pushbuild line" \
    "$(grep -c '^remote: pushbuild' "$T/push.out")" 1
ok "it is an error that names the full disk" grep -q \
    "^remote: pushbuild: write job .*: No space left on device *$" "$T/push.out"
ok "it does not say queued" sh -c "! grep -q queued '$T/push.out'"
is "nothing is in new/" "$(jobs_in new)" 0
is "nothing is left in tmp/" "$(jobs_in tmp)" 0

rm -f "$T/spool/fill"
commit_push
is "after space is freed the push succeeds" "$push_rc" 0
ok "and says queued" grep -q "^remote: pushbuild: queued " "$T/push.out"
is "one job is in new/" "$(jobs_in new)" 1
ok "that job is whole" test "$(job_field new commit)" = \
    "$(git -C "$APP" rev-parse HEAD)"

# The work directory on a tiny full tmpfs: the build fails for now.
mount_small "$T/work" 64k
fill "$T/work"
: >"$T/engine.calls"
rc=0
"$PB" drain >"$T/drain.out" 2>&1 || rc=$?
is "drain with a full work directory exits 75" "$rc" 75
is "the job waits in failed/" "$(jobs_in failed)" 1
is "as failed, not dead" "$(job_field failed result)" failed
ok "with a next try" test -n "$(job_field failed next_try)"
ok "the reason names the full disk" grep -q \
    '^error=.*No space left on device' "$T"/spool/failed/[0-9]*
is "the engine built nothing" "$(grep -c '|build|' "$T/engine.calls")" 0

# Out of inodes instead of blocks: the same one line, nothing queued.
rm -f "$T"/spool/failed/*
used=$(df --output=iused "$T/spool" | tail -n 1 | tr -d " ")
mount -o "remount,nr_inodes=$used" "$T/spool" ||
    bail "cannot limit the inodes of $T/spool"
commit_push
is "a push to a spool out of inodes succeeds" "$push_rc" 0
ok "one error line names the full disk" test "$(grep -c \
    "^remote: pushbuild: create job .*: No space left on device *$" \
    "$T/push.out")" = 1
is "nothing is queued" "$(jobs_in new)$(jobs_in tmp)" 00
mount -o remount,nr_inodes=10000 "$T/spool"
commit_push
ok "with inodes again the next push queues" grep -q \
    "^remote: pushbuild: queued " "$T/push.out"
is "one job in new/" "$(jobs_in new)" 1

done_testing
