#!/bin/sh
# concurrent-push.sh - 10 clones push 5 times each to their own branch, all
# at once: one whole job per ref update, unique names that sort in push
# order, every pushed commit once.  A drain then builds the newest commit
# of each branch once and records the older ones as superseded.

. "$(dirname "$0")/lib.sh"

CLONES=10
PUSHES=5
ENGINE=$T/docker
make_standin_engine "$ENGINE"
make_app "$T/app"
write_config "$T/pushbuild.ini" "$T/mirror.git" "$ENGINE"
sed -i 's|^refs = .*|refs = refs/heads/*|' "$T/pushbuild.ini"
make_mirror "$T/mirror.git" "$T/pushbuild.ini"
git -C "$T/app" push -q "$T/mirror.git" main:refs/heads/base 2>/dev/null
rm -rf "$T/spool"
export PUSHBUILD_CONFIG="$T/pushbuild.ini"

# pusher K: in clone K, PUSHES commits on branch bK, each pushed at once;
# the commits, in push order, go to $T/pushed.K, failures to $T/fail.K.
pusher() {
	c=$T/clone$1
	i=0
	while [ $i -lt $PUSHES ]; do
		echo "clone $1 push $i" >"$c/src/mod$1/f$i.txt"
		git -C "$c" commit -q -a -m "clone $1 push $i" || return 1
		git -C "$c" rev-parse HEAD >>"$T/pushed.$1"
		if ! git -C "$c" push -q origin "HEAD:refs/heads/b$1" \
		    >"$T/push.$1.$i" 2>&1; then
			echo "push $i failed" >>"$T/fail.$1"
		fi
		i=$((i + 1))
	done
}

k=0
while [ $k -lt $CLONES ]; do
	git clone -q "$T/mirror.git" "$T/clone$k" 2>/dev/null
	git -C "$T/clone$k" checkout -q -b "b$k" origin/base
	k=$((k + 1))
done
pids=
k=0
while [ $k -lt $CLONES ]; do
	pusher $k &
	pids="$pids $!"
	k=$((k + 1))
done
for p in $pids; do
	wait "$p" || echo "pusher failed" >>"$T/fail.wait"
done

ok "every push succeeded" sh -c "! cat '$T'/fail.* 2>/dev/null | grep -q ."
is "50 job files in new/" "$(jobs_in new)" $((CLONES * PUSHES))
ls "$T/spool/new" >"$T/names"
is "the names are unique" "$(sort -u "$T/names" | wc -l)" \
    $((CLONES * PUSHES))
is "nothing is left in tmp/" "$(jobs_in tmp)" 0

# One line "NAME REF COMMIT" per job file that has every key a hook job
# has, with the right values; the others are named on stderr.
(cd "$T/spool/new" && awk '
FNR == 1 { if (NR > 1) check(prev); delete k; prev = FILENAME;
    if ($0 != "version=1") bad[FILENAME] = 1 }
{ i = index($0, "="); if (i < 2) bad[FILENAME] = 1
    else k[substr($0, 1, i - 1)] = substr($0, i + 1) }
function check(f) {
	if (f in bad || k["source"] != "hook" ||
	    k["commit"] !~ /^[0-9a-f]+$/ || length(k["commit"]) != 40 ||
	    k["old"] !~ /^[0-9a-f]+$/ || k["ref"] !~ /^refs\/heads\/b[0-9]$/ ||
	    k["enqueued"] !~ /^[0-9]+$/)
		print "bad job " f >"/dev/stderr"
	else
		print f, k["ref"], k["commit"]
}
END { if (NR > 0) check(prev) }' $(cat "$T/names")) >"$T/jobs" 2>"$T/bad"
is "every job file parses with its keys" "$(cat "$T/bad")" ""
is "one parsed job per file" "$(wc -l <"$T/jobs")" $((CLONES * PUSHES))
cat "$T"/pushed.* | sort >"$T/pushed.all"
awk '{ print $3 }' "$T/jobs" | sort >"$T/queued.all"
ok "each pushed commit is queued exactly once" \
    cmp "$T/pushed.all" "$T/queued.all"

# Per branch, the jobs in name order name the commits in push order.
order_ok=yes
k=0
while [ $k -lt $CLONES ]; do
	sort "$T/jobs" | awk -v r="refs/heads/b$k" '$2 == r { print $3 }' \
	    >"$T/order.$k"
	if ! cmp -s "$T/order.$k" "$T/pushed.$k"; then
		order_ok="no: branch b$k"
	fi
	k=$((k + 1))
done
is "names sort in push order on every branch" "$order_ok" yes

"$PB" drain >"$T/drain.out" 2>&1 || bail "drain: $(cat "$T/drain.out")"
is "nothing is left in new/" "$(jobs_in new)" 0
is "nothing is left in active/" "$(jobs_in active)" 0
is "nothing is in failed/" "$(jobs_in failed)" 0
is "every job is done" "$(jobs_in done)" $((CLONES * PUSHES))
is "two images built per branch" "$(grep -c '|build|' "$T/engine.calls")" \
    $((CLONES * 2))

# Per branch: the newest commit built once, the 4 older ones superseded
# by the job of the newest.
per_branch=yes
k=0
while [ $k -lt $CLONES ]; do
	newest=$(tail -n 1 "$T/pushed.$k")
	newjob=$(awk -v c="$newest" '$3 == c { print $1 }' "$T/jobs")
	got=$(cd "$T/spool/done" && for f in $(awk -v r="refs/heads/b$k" \
	    '$2 == r { print $1 }' "$T/jobs"); do
		sed -n 's/^result=//p' "$f"
	done | sort | uniq -c | tr -s ' ' | tr '\n' ,)
	if [ "$got" != " 1 built, 4 superseded," ]; then
		per_branch="no: b$k:$got"
	fi
	if [ "$(sed -n 's/^result=//p' "$T/spool/done/$newjob")" != built ]; then
		per_branch="no: b$k: the newest job $newjob did not build"
	fi
	n=$(grep -l "^superseded_by=$newjob\$" "$T"/spool/done/* | wc -l)
	if [ "$n" != $((PUSHES - 1)) ]; then
		per_branch="no: b$k: $n jobs superseded by the newest"
	fi
	n=$(grep -c "|build|.*|GIT_SHA=$newest|" "$T/engine.calls")
	if [ "$n" != 2 ]; then
		per_branch="no: b$k: $n images built of $newest, not 2"
	fi
	k=$((k + 1))
done
is "each branch: newest built once, 4 superseded by it" "$per_branch" yes

done_testing
