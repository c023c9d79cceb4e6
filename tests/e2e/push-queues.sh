#!/bin/sh
# push-queues.sh - real pushes into a bare mirror with the built hook as
# post-receive: exactly the wanted refs are queued, as their commits, and
# the pusher is told in one line per ref.  The hook is also run by hand
# for input git would never send.

. "$(dirname "$0")/lib.sh"

APP=$T/app
MIRROR=$T/mirror.git
CONF=$T/pushbuild.ini
ZERO=0000000000000000000000000000000000000000

make_app "$APP"
write_config "$CONF" "$MIRROR"
make_mirror "$MIRROR" "$CONF"
git -C "$APP" remote add vps "$MIRROR"
git -C "$APP" config advice.nestedTag false

# clear_spool: forget the jobs of the previous case.
clear_spool() {
	rm -f "$T"/spool/new/*
}

# push ARGS...: git push to the mirror, output in $T/push.out.
push() {
	git -C "$APP" push vps "$@" >"$T/push.out" 2>&1
}

# commit_app MESSAGE: one more commit on the checked-out branch.
commit_app() {
	echo "$1" >>"$APP/src/mod0/f0.txt"
	git -C "$APP" commit -q -a -m "$1"
}

# A push of main queues one job for its commit, and says so.
main=$(git -C "$APP" rev-parse main)
short=$(echo "$main" | cut -c1-12)
ok "push main succeeds" push main
is "push main queues one job" "$(jobs_in new)" 1
is "the job names the pushed commit" "$(job_field new commit)" "$main"
is "the job names the ref" "$(job_field new ref)" refs/heads/main
is "the job comes from the hook" "$(job_field new source)" hook
ok "the pusher sees the queued line" \
    grep -q "^remote: pushbuild: queued $short refs/heads/main (job " \
    "$T/push.out"
clear_spool

# A branch the config does not name queues nothing and says nothing.
ok "push of another branch succeeds" push main:refs/heads/feature
is "another branch queues nothing" "$(jobs_in new)" 0
ok "another branch prints nothing" \
    sh -c "! grep -q 'remote: pushbuild' '$T/push.out'"

# Deleting a wanted ref queues nothing.
git -C "$APP" tag v0
push v0
clear_spool
ok "deleting a wanted tag succeeds" push :refs/tags/v0
is "a deletion queues nothing" "$(jobs_in new)" 0

# An annotated tag, and a tag of that tag, queue the commit.
git -C "$APP" tag -a v1 -m "release 1"
ok "push of an annotated tag succeeds" push v1
is "an annotated tag queues one job" "$(jobs_in new)" 1
is "the tag is peeled to its commit" "$(job_field new commit)" "$main"
is "the job names the tag" "$(job_field new ref)" refs/tags/v1
clear_spool
git -C "$APP" tag -a v2 -m "release 2" v1
push v2
is "a tag of a tag is peeled to the commit" "$(job_field new commit)" "$main"
clear_spool

# A tag of a tree is skipped in one line; main in the same push queues.
git -C "$APP" tag vtree 'HEAD^{tree}'
commit_app second
main=$(git -C "$APP" rev-parse main)
ok "push of a tree tag and main succeeds" push main vtree
is "only main is queued" "$(jobs_in new)" 1
is "the queued job is main" "$(job_field new ref)" refs/heads/main
is "one skipped line" "$(grep -c 'remote: pushbuild: skipped' "$T/push.out")" 1
skipped='remote: pushbuild: skipped refs/tags/vtree: object [0-9a-f]\{12\}'
ok "the skipped line names the tag and why" grep -q \
    "$skipped is a tree, not a commit" "$T/push.out"
clear_spool

# Under umask 077 the job file is still readable by the spool's group.
rm -rf "$T/spool"
commit_app third
(umask 077 && push main)
is "one job under umask 077" "$(jobs_in new)" 1
is "the job file is 0660" "$(stat -c %a "$T"/spool/new/[0-9]*)" 660
clear_spool

# The config is found through PUSHBUILD_CONFIG as well.
git -C "$MIRROR" config --unset pushbuild.config
commit_app fourth
ok "push with PUSHBUILD_CONFIG succeeds" env PUSHBUILD_CONFIG="$CONF" \
    git -C "$APP" push vps main
is "PUSHBUILD_CONFIG is used" "$(jobs_in new)" 1
clear_spool

# A broken config cannot block the push; it is named with its line.
cat >"$T/broken.ini" <<INI
[repository]
path = $MIRROR
no_such_key = 1
INI
git -C "$MIRROR" config pushbuild.config "$T/broken.ini"
commit_app fifth
ok "push with a broken config still succeeds" push main
ok "the error names the file and line" grep -q \
    "^remote: pushbuild: $T/broken.ini:3: " "$T/push.out"
is "a broken config queues nothing" "$(jobs_in new)" 0
git -C "$MIRROR" config pushbuild.config "$CONF"

# Input git would never send, fed to the hook by hand in the mirror.
main=$(git -C "$APP" rev-parse main)
long=$(head -c 9000 /dev/zero | tr '\0' x)
status=0
(cd "$MIRROR" && "$HOOK" >"$T/hook.out" 2>&1 <<EOF) || status=$?
$ZERO $main refs/heads/main
garbage
$ZERO $main refs/tags/v$long
$ZERO $main
$ZERO $main refs/tags/v9
EOF
is "malformed input exits 65" "$status" 65
is "one line per malformed line" \
    "$(grep -c '^pushbuild: ignored line [234]: ' "$T/hook.out")" 3
is "the good lines are queued" "$(jobs_in new)" 2
clear_spool

# A commit the mirror does not have is bad input (65), not a spool
# failure, and the other lines still queue.
status=0
(cd "$MIRROR" && "$HOOK" >"$T/hook.out" 2>&1 <<EOF) || status=$?
$ZERO 1234567890123456789012345678901234567890 refs/heads/main
$ZERO $main refs/tags/v8
EOF
is "an unknown commit exits 65" "$status" 65
ok "and names it" grep -q '1234567890123456789012345678901234567890' "$T/hook.out"
is "the good line is queued" "$(jobs_in new)" 1
clear_spool

# A mirror push of 20,000 refs, one of which is wanted: one job, exit 0,
# and all of the input read (the writer is not cut off by SIGPIPE).  The
# same input to a hook whose config is broken is read to its end too.
lines() {
	awk -v z="$ZERO" -v m="$main" 'BEGIN {
		for (i = 0; i < 19999; i++)
			printf "%s %s refs/heads/branch-%05d\n", z, m, i
		printf "%s %s refs/heads/main\n", z, m }'
}
status=0
( lines; echo $? >"$T/writer.rc" ) |
    (cd "$MIRROR" && "$HOOK" >"$T/hook.out" 2>&1) || status=$?
is "20,000 refs: the hook exits 0" "$status" 0
is "20,000 refs: one job, for main" "$(jobs_in new):$(job_field new ref)" \
    "1:refs/heads/main"
is "20,000 refs: the writer wrote everything" "$(cat "$T/writer.rc")" 0
clear_spool
echo "[builder]" >"$T/broken.ini"
echo "enigne = docker" >>"$T/broken.ini"
status=0
( lines; echo $? >"$T/writer.rc" ) |
    (cd "$MIRROR" && "$HOOK" -c "$T/broken.ini" >"$T/hook.out" 2>&1) ||
    status=$?
is "20,000 refs, broken config: exit 78" "$status" 78
is "20,000 refs, broken config: all input still read" \
    "$(cat "$T/writer.rc")" 0
is "20,000 refs, broken config: nothing queued" "$(jobs_in new)" 0

# GIT_DIR in the environment does not redirect the hook.
status=0
(cd "$MIRROR" && GIT_DIR=/nonexistent "$HOOK" >"$T/hook.out" 2>&1 <<EOF) ||
$ZERO $main refs/heads/main
EOF
    status=$?
is "the hook ignores GIT_DIR" "$status" 0
is "GIT_DIR: the mirror's commit is queued" "$(job_field new commit)" "$main"
clear_spool

# Run in another repository, the hook refuses and queues nothing.
git init -q --bare "$T/other.git"
status=0
(cd "$T/other.git" && "$HOOK" -c "$CONF" >"$T/hook.out" 2>&1 <<EOF) ||
$ZERO $main refs/heads/main
EOF
    status=$?
is "another repository exits 78" "$status" 78
ok "another repository is named" grep -q "not the configured mirror" \
    "$T/hook.out"
is "another repository queues nothing" "$(jobs_in new)" 0

done_testing
