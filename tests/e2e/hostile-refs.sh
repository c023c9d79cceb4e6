#!/bin/sh
# hostile-refs.sh - ref names that are shell code are data.  Real pushes of
# branches whose names hold $(...), ;, |, &, backquotes, quotes, a leading
# dash, Unicode, upper case and 300 characters, each on its own commit,
# with refs = refs/heads/*: every one is queued under its exact name and
# built by pushbuild drain (recording stand-in engine), no engine argument
# holds a ref name, every image tag comes from the commit, and no payload
# ran.  Names git refuses (a space, control characters, a backslash) are
# fed to the hook by hand.

. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
rm -f "$T"/spool/new/*
sed -i 's|^refs = .*|refs = refs/heads/*|' "$T/pushbuild.ini"
ZERO=0000000000000000000000000000000000000000
M=$T/marker

# Each payload, run by any shell, would create its own marker under $M;
# ${IFS} stands for the space git refuses in a ref name.
x=$(printf '%0100d' 0 | tr 0 x)
y=$(printf '%098d' 0 | tr 0 y)
cat >"$T/names" <<EOF
\$(touch\${IFS}$M-dollar)
a;touch\${IFS}$M-semicolon
a|touch\${IFS}$M-pipe
a&touch\${IFS}$M-amp&
\`touch\${IFS}$M-backquote\`
q';touch\${IFS}$M-squote;'
q";touch\${IFS}$M-dquote;"
--output=$M-dash
-rf
ünïcödé/日本語
UPPER/Case
$x/$x/$y
EOF
is "the long name has 300 characters" \
    "$(tail -n 1 "$T/names" | tr -d '\n' | wc -c)" 300

# Give each name a commit of its own, and push them all at once.
: >"$T/expected"
set --
while IFS= read -r name; do
	ok "git accepts refs/heads/$name" \
	    git check-ref-format "refs/heads/$name"
	printf '%s\n' "$name" >"$T/app/name.txt"
	git -C "$T/app" add name.txt
	git -C "$T/app" commit -q -m "branch $name"
	c=$(git -C "$T/app" rev-parse HEAD)
	printf 'refs/heads/%s %s\n' "$name" "$c" >>"$T/expected"
	set -- "$@" "$c:refs/heads/$name"
done <"$T/names"
rc=0
git -C "$T/app" push vps "$@" >"$T/push.out" 2>&1 || rc=$?
is "one push of every hostile branch succeeds" "$rc" 0

# refs_and_commits DIR: "ref commit" of every job in DIR, byte for byte.
refs_and_commits() {
	for f in "$T"/spool/"$1"/[0-9]*; do
		ref=$(sed -n 's/^ref=//p' "$f")
		printf '%s %s\n' "$ref" "$(sed -n 's/^commit=//p' "$f")"
	done | LC_ALL=C sort
}
LC_ALL=C sort "$T/expected" >"$T/expected.sorted"
refs_and_commits new >"$T/queued"
is "one job per branch" "$(jobs_in new)" "$(wc -l <"$T/names")"
ok "each job holds its exact ref name and its commit" \
    cmp "$T/queued" "$T/expected.sorted"

# The pusher saw one "queued" line per branch, with the name as it is.
n=0
while IFS= read -r line; do
	ref=${line% *}
	c=${line##* }
	short=$(echo "$c" | cut -c1-12)
	grep -F -q -- "remote: pushbuild: queued $short $ref (job " \
	    "$T/push.out" && n=$((n + 1))
done <"$T/expected"
is "the pusher saw one queued line per branch" "$n" \
    "$(wc -l <"$T/names")"

# Drain: every job built, by argument vectors free of ref names.
rc=0
"$PB" drain >"$T/drain.out" 2>&1 || rc=$?
is "drain exits 0" "$rc" 0
is "every job is done" "$(jobs_in done)" "$(wc -l <"$T/names")"
is "every job built" \
    "$(grep -l '^result=built$' "$T"/spool/done/[0-9]* | wc -l)" \
    "$(wc -l <"$T/names")"
refs_and_commits done >"$T/done"
ok "the done jobs still hold the exact names" \
    cmp "$T/done" "$T/expected.sorted"
ok "no engine argument holds a ref" \
    sh -c "! grep -q 'refs/' '$T/engine.calls'"
found=
while IFS= read -r name; do
	grep -F -q -- "$name" "$T/engine.calls" && found="$found $name"
done <"$T/names"
is "no engine argument holds a branch name" "$found" ""

# Image tags come from the commit: <repository>:<short id> when built,
# :latest and the worker tags when moved, never anything from a ref.
while IFS= read -r line; do
	short=$(echo "${line##* }" | cut -c1-7)
	printf 'fiskai-worker:%s\nfiskai-worker-ocr:%s\n' "$short" "$short"
done <"$T/expected" | LC_ALL=C sort >"$T/want.built"
sed -n 's/.*|build|.*|-t|\([^|]*\)|.*/\1/p' "$T/engine.calls" |
    LC_ALL=C sort >"$T/built"
ok "each image is tagged with its job's short commit id" \
    cmp "$T/built" "$T/want.built"
sed -n 's/.*|tag|[^|]*|//p' "$T/engine.calls" | LC_ALL=C sort -u >"$T/moved"
printf '%s\n' fiskai-worker:latest fiskai-worker-ocr:latest \
    fiskai-worker-composer:latest fiskai-worker-extractor:latest \
    fiskai-worker-ocr:latest fiskai-worker-orchestrator:latest \
    fiskai-worker-sentinel:latest | LC_ALL=C sort -u >"$T/want.moved"
ok "the moved tags are the configured ones" cmp "$T/moved" "$T/want.moved"

# Names git refuses, fed to the hook as receive-pack would: a space, and
# control characters that could drive the pusher's terminal.
c=$(git -C "$T/app" rev-parse HEAD)
status=0
(cd "$T/mirror.git" && "$HOOK" >"$T/hook.out" 2>&1 <<EOF) || status=$?
$ZERO $c refs/heads/\$(touch $M-space)
$ZERO $c refs/heads/esc$(printf '\033')]0;title$(printf '\007')
$ZERO $c refs/heads/cr$(printf '\r')x
$ZERO $c refs/heads/tab$(printf '\t')x
$ZERO $c refs/heads/del$(printf '\177')
$ZERO $c refs/heads/back\\slash~1
EOF
is "refused names make the hook exit 65" "$status" 65
is "each refused name gets one line" \
    "$(grep -c '^pushbuild: ignored line [1-5]: malformed line: ' \
    "$T/hook.out")" 5
ok "the hook's output holds no control character" \
    sh -c "! tr -d '\n' <'$T/hook.out' | grep -q '[[:cntrl:]]'"
ok "a name git refuses but the hook can carry is queued as it is" \
    grep -qx 'ref=refs/heads/back\\slash~1' "$T"/spool/new/[0-9]*
is "only that one is queued" "$(jobs_in new)" 1
rm -f "$T"/spool/new/*

# A ref with control characters given to pushbuild enqueue is refused,
# as git would, and escaped in what it prints.
rc=0
"$PB" enqueue --ref "refs/heads/x$(printf '\033')[2J" main \
    >"$T/enqueue.out" 2>&1 || rc=$?
is "enqueue of a ref with an escape sequence exits 64" "$rc" 64
ok "its output escapes the control character" \
    grep -qF 'refs/heads/x\x1b[2J' "$T/enqueue.out"
ok "its output holds no control character" \
    sh -c "! tr -d '\n' <'$T/enqueue.out' | grep -q '[[:cntrl:]]'"
is "and it queued nothing" "$(jobs_in new)" 0
"$PB" enqueue main >/dev/null
rc=0
"$PB" drain >"$T/drain.out" 2>&1 || rc=$?
is "a job drains" "$rc" 0
ok "drain's output holds no control character" \
    sh -c "! tr -d '\n' <'$T/drain.out' | grep -q '[[:cntrl:]]'"

# No payload ran: no marker exists, and none is anywhere under the test's
# directory except as git's own files for the refs of those names.
found=
for m in dollar semicolon pipe amp backquote squote dquote dash space; do
	[ -e "$M-$m" ] && found="$found $m"
done
is "no payload created its marker" "$found" ""
is "no marker file anywhere under the test directory" "$(find "$T" \
    \( -path '*/refs' -o -path '*/logs' \) -prune -o -name 'marker-*' \
    -print)" ""

done_testing
