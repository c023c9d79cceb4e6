#!/bin/sh
# crash.sh - real hook and builder processes killed with SIGKILL at random
# moments across the life of a job, then a clean drain.  Afterwards every
# queued ref update is accounted for exactly once (built or superseded),
# nothing waits in new/ or active/, no file is corrupt, an interrupted
# build has its attempt counted, and tmp/ holds at most the debris of the
# processes killed.  The builder's sweep of old tmp/ debris is checked on
# its own.  The engine is a stand-in whose builds sleep 0 to 0.3 s.

. "$(dirname "$0")/lib.sh"

TRIALS=${CRASH_TRIALS:-120}
REFS=4
MIRROR=$T/mirror.git
S=$T/spool
make_standin_engine "$T/docker-standin"
cat >"$T/docker" <<EOS
#!/bin/sh
case " \$* " in
*" build "*) sleep "\$(shuf -i 0-300 -n 1 | awk '{ printf "%.3f", \$1 / 1000 }')" ;;
esac
exec '$T/docker-standin' "\$@"
EOS
chmod 755 "$T/docker"
# A one-file application: checkouts stay quick, trials many.
git init -q "$T/app"
printf 'FROM scratch\n' >"$T/app/Dockerfile.worker"
git -C "$T/app" add Dockerfile.worker
git -C "$T/app" commit -q -m tiny
write_config "$T/pushbuild.ini" "$MIRROR" "$T/docker"
sed -i -e 's|^refs = .*|refs = refs/heads/*|' \
    -e 's/^max_attempts = 3/max_attempts = 100\nbackoff = 0\nbackoff_max = 0/' \
    -e '/^\[image ocr\]/,/^$/d' "$T/pushbuild.ini"
make_mirror "$MIRROR" "$T/pushbuild.ini"
git -C "$T/app" push -q "$MIRROR" main 2>/dev/null
export PUSHBUILD_CONFIG="$T/pushbuild.ini"
"$PB" drain >"$T/drain.out" 2>&1 || bail "drain: $(cat "$T/drain.out")"

# Fresh commits of the application's tree, one per ref update to send.
tree=$(git -C "$MIRROR" rev-parse 'main^{tree}')
parent=$(git -C "$MIRROR" rev-parse main)
i=0
while [ $i -lt $((TRIALS * 5)) ]; do
	git -C "$MIRROR" commit-tree -p "$parent" -m "crash $i" "$tree"
	i=$((i + 1))
done >"$T/commits"
next_commit=1
echo "$parent refs/heads/main" >"$T/sent"
: >"$T/confirmed"
: >"$T/interrupted"
kills=0

# rand N: a random number from 0 to N - 1.
rand() {
	shuf -i 0-$(($1 - 1)) -n 1
}

# pause MS: sleep MS milliseconds.
pause() {
	sleep "$(echo "$1" | awk '{ printf "%.3f", $1 / 1000 }')"
}

# hook_input N: N lines "old new ref" of fresh commits on random refs,
# recorded in $T/sent, into $T/input.
hook_input() {
	: >"$T/input"
	n=0
	while [ $n -lt "$1" ]; do
		c=$(sed -n "${next_commit}p" "$T/commits")
		next_commit=$((next_commit + 1))
		ref=refs/heads/r$(rand $REFS)
		echo "$parent $c $ref" >>"$T/input"
		echo "$c $ref" >>"$T/sent"
		n=$((n + 1))
	done
}

# start_hook N: the hook, in the background, on N fresh updates; its pid
# in $hook_pid.
start_hook() {
	hook_input "$1"
	(cd "$MIRROR" && exec "$HOOK" <"$T/input" >"$T/hook.out" 2>&1) &
	hook_pid=$!
}

# end_hook: wait for the hook; note the jobs it said it queued.
end_hook() {
	wait "$hook_pid" 2>/dev/null || true
	sed -n 's/^pushbuild: queued .*(job \(.*\))$/\1/p' "$T/hook.out" \
	    >>"$T/confirmed"
}

# kill_after MS PID: SIGKILL PID after MS milliseconds, counted in $kills
# when it was still running.
kill_after() {
	pause "$1"
	if kill -KILL "$2" 2>/dev/null; then
		kills=$((kills + 1))
	fi
}

# note_active: remember each job a killed builder left in active/ that
# did not finish, with its attempts, as "NAME ATTEMPTS".
note_active() {
	for f in "$S"/active/*; do
		[ -f "$f" ] || continue
		name=${f##*/}
		[ -e "$S/done/$name" ] || [ -e "$S/failed/$name" ] && continue
		a=$(sed -n 's/^attempts=//p' "$f")
		echo "$name ${a:-0}" >>"$T/interrupted"
	done
}

# clean_drain: retry (which drains) without interruption until nothing
# is pending or failed; a failed job is due at once (backoff = 0).
clean_drain() {
	for n in 1 2 3 4; do
		"$PB" retry >"$T/clean.out" 2>&1 || true
		[ "$(jobs_in new)" -eq 0 ] && [ "$(jobs_in active)" -eq 0 ] &&
		    [ "$(jobs_in failed)" -eq 0 ] && return 0
	done
	return 1
}

# queue N: the hook, to its end, on N fresh updates.
queue() {
	start_hook "$1"
	end_hook
}

# builder_killed COMMAND MS: pushbuild COMMAND (drain or retry) in the
# background, killed after MS milliseconds; notes what it left in active/.
builder_killed() {
	(exec "$PB" "$1" >"$T/drain.out" 2>&1) &
	drain_pid=$!
	kill_after "$2" "$drain_pid"
	wait "$drain_pid" 2>/dev/null || true
	note_active
}

# One trial: kill the hook, the builder, or both, at a random moment; or
# fail builds and kill the retry that puts them back.
trial() {
	case $(rand 5) in
	0)	# The hook, while it writes several jobs.
		start_hook $((1 + $(rand 6)))
		kill_after "$(rand 25)" "$hook_pid"
		end_hook
		;;
	1)	# The builder, anywhere from its start to its last job.
		queue $((1 + $(rand 3)))
		builder_killed drain "$(rand 450)"
		;;
	2)	# Both, while the hook queues beside a running builder.
		queue $((1 + $(rand 2)))
		(exec "$PB" drain >"$T/drain.out" 2>&1) &
		drain_pid=$!
		pause "$(rand 300)"
		start_hook $((1 + $(rand 4)))
		kill_after "$(rand 20)" "$hook_pid"
		end_hook
		kill_after "$(rand 300)" "$drain_pid"
		wait "$drain_pid" 2>/dev/null || true
		note_active
		;;
	3)	# A builder killed, then the builder that recovers it.
		queue $((1 + $(rand 3)))
		builder_killed drain "$(rand 350)"
		builder_killed drain "$(rand 350)"
		;;
	4)	# Failed builds, and the retry that requeues them killed.
		queue $((1 + $(rand 3)))
		echo 1 >"$T/engine.fail"
		echo $((1 + $(rand 2))) >"$T/engine.fail.count"
		"$PB" drain >"$T/drain.out" 2>&1 || true
		builder_killed retry "$(rand 350)"
		rm -f "$T/engine.fail" "$T/engine.fail.count"
		;;
	esac
}

# check_trial N: what must hold after every trial and a clean drain;
# the first broken rule goes to $T/broken.
check_trial() {
	if [ "$(jobs_in new)" -ne 0 ] || [ "$(jobs_in active)" -ne 0 ]; then
		echo "trial $1: jobs left in new/ or active/" >>"$T/broken"
	elif ls "$S/failed" | grep -q .; then
		echo "trial $1: failed/ holds $(ls "$S/failed" | tr '\n' ' ')" \
		    >>"$T/broken"
	elif "$PB" status 2>&1 | grep -q unreadable; then
		echo "trial $1: status reports unreadable jobs" >>"$T/broken"
	elif [ "$(jobs_in tmp)" -gt "$kills" ]; then
		echo "trial $1: $(jobs_in tmp) files in tmp/ after $kills kills" \
		    >>"$T/broken"
	fi
}

t=0
: >"$T/broken"
while [ $t -lt "$TRIALS" ]; do
	trial
	clean_drain || echo "trial $t: clean drain left jobs" >>"$T/broken"
	check_trial $t
	[ -s "$T/broken" ] && break
	t=$((t + 1))
done
is "$TRIALS trials keep the queue whole" "$(head -n 1 "$T/broken")" ""
echo "# $kills processes killed, $(wc -l <"$T/sent") updates sent," \
    "$(wc -l <"$T/confirmed") confirmed, $(jobs_in done) jobs done," \
    "$(wc -l <"$T/interrupted") builds interrupted, $(jobs_in tmp) in tmp/"
# 100 for the 120 trials of a normal run.
ok "at least 5 kills in 6 trials landed" \
    test "$kills" -ge $((TRIALS * 5 / 6))

# Every job file, "NAME COMMIT REF RESULT ATTEMPTS SUPERSEDED_BY", or a
# line "bad NAME" for a file that is not a whole job.
(cd "$S/done" && awk '
FNR == 1 { if (NR > 1) out(prev); delete k; prev = FILENAME;
    ok = ($0 == "version=1") }
{ i = index($0, "="); if (i < 2) ok = 0
    else k[substr($0, 1, i - 1)] = substr($0, i + 1) }
function out(f) {
	if (!ok || length(k["commit"]) != 40 || k["ref"] == "" ||
	    k["result"] == "")
		print "bad", f
	else
		print f, k["commit"], k["ref"], k["result"],
		    k["attempts"] + 0, by(k["superseded_by"])
}
function by(s) { return s == "" ? "-" : s }
END { if (NR > 0) out(prev) }' *) | sort >"$T/jobs"

is "no job file is corrupt or partial" "$(grep '^bad' "$T/jobs")" ""
is "no entry was set aside as corrupt" \
    "$(find "$S" -name '*.corrupt*' | wc -l)" 0
is "every job is built or superseded" \
    "$(awk '$4 != "built" && $4 != "superseded" && $4 != "already_built"' \
    "$T/jobs")" ""
awk '{ print $2, $3 }' "$T/jobs" | sort >"$T/done.updates"
is "no update was queued twice" "$(uniq -d "$T/done.updates")" ""
sort "$T/sent" >"$T/sent.sorted"
is "every job is an update that was sent" \
    "$(comm -23 "$T/done.updates" "$T/sent.sorted")" ""
is "every job the hook confirmed is done" \
    "$(sort "$T/confirmed" | join -v 1 - "$T/jobs")" ""
is "each commit built at most once" \
    "$(awk '$4 == "built" { print $2 }' "$T/jobs" | sort | uniq -d)" ""
is "the newest job of each ref is built" "$(awk '
{ newest[$3] = $1; result[$3] = $4 }
END { for (r in newest) if (result[r] != "built" &&
    result[r] != "already_built") print r, newest[r], result[r] }' \
    "$T/jobs")" ""
is "each superseded job names a newer done job of its ref" "$(awk '
NR == FNR { ref[$1] = $3; next }
$4 == "superseded" && (!($6 in ref) || ref[$6] != $3 || $6 <= $1)' \
    "$T/jobs" "$T/jobs")" ""
# Every build the engine started for a job (its checkout is
# <workdir>/<job>/tree) is one of the job's attempts, counted however
# the builder died during it.
sed -n 's|.*[|]build[|].*/work/\([^/]*\)/tree/.*|\1|p' "$T/engine.calls" |
    sort | uniq -c | awk '{ print $2, $1 }' >"$T/builds"
is "every build the engine ran is a counted attempt" "$(awk '
NR == FNR { att[$1] = $5; next }
!($1 in att) || att[$1] < $2' "$T/jobs" "$T/builds")" ""
ok "some jobs had a build killed and run again" \
    test "$(awk '$2 > 1' "$T/builds" | wc -l)" -gt 0

# The sweep: tmp/ debris more than an hour old goes, fresh debris stays.
echo "version=1" >"$S/tmp/1000000000.000000000.0000001.0"
touch -d '2 hours ago' "$S/tmp/1000000000.000000000.0000001.0"
echo "version=1" >"$S/tmp/fresh-debris"
for f in "$S"/tmp/*; do
	[ "$f" = "$S/tmp/fresh-debris" ] || touch -d '2 hours ago' "$f"
done
"$PB" drain >"$T/out" 2>&1
is "old debris is removed by a drain" "$(ls "$S/tmp")" fresh-debris
touch -d '59 minutes ago' "$S/tmp/fresh-debris"
"$PB" drain >"$T/out" 2>&1
is "debris younger than an hour stays" "$(ls "$S/tmp")" fresh-debris

done_testing
