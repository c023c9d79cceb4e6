#!/bin/sh
# two-users.sh - the hook runs as the user who owns the mirror, the
# builder as another user; they share the spool through a group, set up
# as pushbuild.ini(5) says.  Both run under umask 077, and every job file
# and log stays readable and movable by both.  Needs root (useradd), as
# in CI; the users and the group are deleted on exit.

. "$(dirname "$0")/lib.sh"

# The tree must be reachable by the two users.
chmod 755 "$T"
tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
G=pushbuild-test-g$tag
A=pushbuild-test-a$tag
B=pushbuild-test-b$tag
T_USERS="$A $B"
T_GROUPS=$G
groupadd "$G" || bail "groupadd $G"
useradd -M -N -G "$G" -s /bin/sh "$A" || bail "useradd $A"
useradd -M -N -G "$G" -s /bin/sh "$B" || bail "useradd $B"

# as USER COMMAND...: run COMMAND as USER with its groups, under umask 077.
as() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
	    sh -c 'umask 077 && exec "$@"' sh "$@"
}

ENGINE=$T/docker
make_standin_engine "$ENGINE"
: >"$T/engine.calls"
chmod 666 "$T/engine.calls"
make_app "$T/app"
write_config "$T/pushbuild.ini" "$T/mirror.git" "$ENGINE"
sed -i 's|^refs = .*|&\ntrust_owner = yes|' "$T/pushbuild.ini"
export PUSHBUILD_CONFIG="$T/pushbuild.ini"

# The setup of pushbuild.ini(5), EXAMPLES: the mirror shared with the
# group, the spool owned by the git user and the group, the work
# directory the builder's own.
install -d -o "$A" -g "$G" -m 2750 "$T/mirror.git"
as "$A" git init -q --bare --shared=0640 "$T/mirror.git"
install -o "$A" -g "$G" -m 755 "$HOOK" "$T/mirror.git/hooks/post-receive"
as "$A" git -C "$T/mirror.git" config pushbuild.config "$T/pushbuild.ini"
install -d -o "$A" -g "$G" -m 2770 "$T/spool"
install -d -o "$B" -m 700 "$T/work"
chown -R "$A" "$T/app"

# A pushes; the hook runs as A under umask 077.
ok "A pushes main" as "$A" git -C "$T/app" push "$T/mirror.git" main
SHA=$(as "$A" git -C "$T/app" rev-parse HEAD)
is "one job in new/" "$(jobs_in new)" 1
name=$(ls "$T/spool/new")
is "the job file is A's" "$(stat -c %U "$T/spool/new/$name")" "$A"
is "in the spool's group, mode 660" \
    "$(stat -c '%G %a' "$T/spool/new/$name")" "$G 660"
for d in tmp new active done failed log; do
	is "$d/ is 2770 in the spool's group" \
	    "$(stat -c '%G %a' "$T/spool/$d")" "$G 2770"
done

# B drains under umask 077: claims A's job, builds it, records it.
ok "B drains" as "$B" "$PB" drain
is "nothing is left in new/" "$(jobs_in new)" 0
is "nothing is left in active/" "$(jobs_in active)" 0
is "the job is done" "$(ls "$T/spool/done")" "$name"
is "as built" "$(job_field done result)" built
is "of the pushed commit" "$(job_field done commit)" "$SHA"
is "two images were built" "$(grep -c '|build|' "$T/engine.calls")" 2
is "the done file is B's, in the group, 660" \
    "$(stat -c '%U %G %a' "$T/spool/done/$name")" "$B $G 660"
is "the log is B's, in the group, 660" \
    "$(stat -c '%U %G %a' "$T/spool/log/$name")" "$B $G 660"
is "the lock is in the group, 660" \
    "$(stat -c '%G %a' "$T/spool/lock")" "$G 660"

# A still reads and works with everything B wrote.
ok "A reads the done job" as "$A" cat "$T/spool/done/$name"
as "$A" "$PB" status >"$T/status.out" 2>&1 || true
ok "A's pushbuild status shows it" grep -q "$name.*built" "$T/status.out"
ok "A's status finds nothing unreadable" \
    sh -c "! grep -q unreadable '$T/status.out'"
as "$A" "$PB" log "$name" >"$T/log.out" 2>&1 || true
ok "A reads its log" grep -q 'STEP 1/1' "$T/log.out"
ok "A's pushbuild retry exits 0" as "$A" "$PB" retry

# A second push whose build fails: B's record of it in failed/ is read by
# A, who queues the commit anew and removes the old file, as
# pushbuild.ini(5) says; B builds the new job.
echo more >>"$T/app/src/mod0/f0.txt"
as "$A" git -C "$T/app" commit -q -a -m more
SHA=$(as "$A" git -C "$T/app" rev-parse HEAD)
ok "A pushes again" as "$A" git -C "$T/app" push "$T/mirror.git" main
echo 1 >"$T/engine.fail"
rc=0
as "$B" "$PB" drain >"$T/out" 2>&1 || rc=$?
is "B's failed build exits 75" "$rc" 75
rm "$T/engine.fail"
failed=$(ls "$T/spool/failed")
is "the job waits in failed/ as B's"     "$(stat -c '%U %G %a' "$T/spool/failed/$failed")" "$B $G 660"
ok "A reads the failed job" as "$A" grep -q '^result=failed$' \
    "$T/spool/failed/$failed"
ok "A queues the commit anew" \
    as "$A" "$PB" enqueue --ref refs/heads/main "$SHA"
ok "A removes B's failed job" as "$A" rm "$T/spool/failed/$failed"
ok "B drains the new job" as "$B" "$PB" drain
is "nothing is left in new/, active/ or failed/" \
    "$(jobs_in new)$(jobs_in active)$(jobs_in failed)" 000
is "the new job built the commit" \
    "$(grep -l "^commit=$SHA" "$T"/spool/done/* | xargs grep -c '^result=built')" 1

# A mirror not shared with the group (objects written under A's umask
# 077): B cannot read the commit.  That is a setup to fix, not a commit
# that is missing: the job waits for a retry, and the reason says so.
echo private >>"$T/app/src/mod0/f0.txt"
as "$A" git -C "$T/app" commit -q -a -m private
SHA=$(as "$A" git -C "$T/app" rev-parse HEAD)
ok "A pushes a third time" as "$A" git -C "$T/app" push "$T/mirror.git" main
chmod 700 "$T/mirror.git/objects/$(echo "$SHA" | cut -c1-2)"
rc=0
as "$B" "$PB" drain >"$T/out" 2>&1 || rc=$?
is "an unreadable commit fails the drain with 75" "$rc" 75
is "the job waits for a retry, not dead" "$(job_field failed result)" failed
ok "the reason says it cannot be read" grep -q "cannot be read: Permission denied" "$T/out"

done_testing
