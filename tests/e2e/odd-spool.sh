#!/bin/sh
# Odd entries in the spool never stop the queue: a directory in tmp/, a
# name taken in failed/, a symlink planted as a job's log, a name with a
# newline.  Each is set aside or passed over, and the real job builds.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
JOB=$(ls "$T/spool/new")

mkdir "$T/spool/tmp/olddir"
touch -d '2 hours ago' "$T/spool/tmp/olddir"
echo junk >"$T/spool/new/0junk"
mkdir "$T/spool/failed/0junk.corrupt"
ln -s /etc/passwd "$T/spool/log/$JOB"
printf 'version=1\n' >"$T/spool/new/0bad
name"

rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "drain exits 0 all the same" "$rc" 0
is "the real job built" "$(job_field done result)" built
ok "the junk was set aside under a free name" test -f "$T/spool/failed/0junk.1.corrupt"
ok "with its reason" test -s "$T/spool/failed/0junk.1.corrupt.reason"
ok "the directory that held the first name is untouched" test -d "$T/spool/failed/0junk.corrupt"
ok "the bad name is reported on one line, escaped" grep -q "job '0bad\\\\x0aname' is corrupt" "$T/out"
is "nothing pending or active" "$(ls -A "$T/spool/new")$(ls -A "$T/spool/active")" ""
ok "the directory in tmp/ was left alone" test -d "$T/spool/tmp/olddir"
ok "the planted log symlink was not followed" sh -c "! grep -q STEP /etc/passwd"
ok "the log problem was said" grep -q "is a symlink" "$T/out"

rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "the next drain has nothing to do and says nothing" "$rc:$(cat "$T/out")" "0:"
done_testing
