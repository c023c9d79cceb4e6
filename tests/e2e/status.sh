#!/bin/sh
# pushbuild status: every state of a job, the builder's run file (live
# and stale), the last success per ref, what was deployed; the same facts
# as JSON, parsed back.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app

"$PB" status >"$T/out" 2>&1
ok "a pushed job is pending" grep -q '^pending: 1$' "$T/out"
ok "with its ref and short commit" \
    grep -q "  $(echo "$SHA" | cut -c1-12)  refs/heads/main  queued .* (hook)" \
    "$T/out"
ok "no builder runs" grep -q '^builder: not running$' "$T/out"
ok "nothing deployed yet" grep -q '^deployed: none$' "$T/out"

"$PB" drain >/dev/null 2>&1
echo v1 >"$T/app/v1.txt"
git -C "$T/app" add v1.txt
git -C "$T/app" commit -q -m v1
git -C "$T/app" tag -a -m v1 v1
git -C "$T/app" push -q vps v1 2>/dev/null
"$PB" drain >/dev/null 2>&1
echo 1 >"$T/engine.fail"
"$PB" enqueue --ref refs/heads/broken main >/dev/null 2>&1
"$PB" drain >/dev/null 2>&1 || true
rm -f "$T/engine.fail"
echo "exec format error" >"$T/engine.message"
echo 1 >"$T/engine.fail"
"$PB" enqueue --ref refs/heads/dead main >/dev/null 2>&1
"$PB" drain >/dev/null 2>&1 || true
rm -f "$T/engine.fail" "$T/engine.message"
"$PB" enqueue main >/dev/null 2>&1

"$PB" status >"$T/out" 2>&1
is "status exits 0" "$?" 0
ok "one failed job, with its next try" \
    grep -q 'refs/heads/broken  attempt 1, next try' "$T/out"
ok "one dead job, apart" grep -q '^dead: 1$' "$T/out"
ok "the dead job says so" grep -q 'refs/heads/dead  dead after 1 attempt' \
    "$T/out"
ok "two built jobs done" grep -q '^done: 2$' "$T/out"
ok "last success of main" \
    grep -q '^  refs/heads/main  [0-9a-f]\{12\}  built ' "$T/out"
ok "last success of the tag" grep -q '^  refs/tags/v1  ' "$T/out"
ok "deployed is the tag's build, the last one" \
    grep -q '^deployed: [0-9a-f]\{12\}  refs/tags/v1, built ' "$T/out"

# The builder's run file: a live pid, then one that no longer runs.
job=$(ls "$T/spool/new")
mv "$T/spool/new/$job" "$T/spool/active/$job"
sleep 60 &
live=$!
printf 'pid=%s\njob=%s\nstarted=%s\n' "$live" "$job" "$(date +%s)" \
    >"$T/spool/run"
"$PB" status >"$T/out" 2>&1
ok "the builder's pid and job" \
    grep -q "^builder: pid $live building $job since " "$T/out"
ok "on the active job's line" grep -q "builder pid $live\$" "$T/out"
kill $live
wait $live 2>/dev/null || true
"$PB" status >"$T/out" 2>&1
ok "a dead builder is stale" \
    grep -q "^builder: stale: pid $live no longer runs" "$T/out"

"$PB" status --json >"$T/json" 2>"$T/err"
is "status --json exits 0" "$?" 0
check_json() {
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
sha, live, job = sys.argv[2], int(sys.argv[3]), sys.argv[4]
assert s["builder"] == {"pid": live, "job": job,
    "started": s["builder"]["started"], "stale": True}, s["builder"]
assert [j["name"] for j in s["active"]] == [job]
assert s["pending"] == []
assert [j["ref"] for j in s["failed"]] == ["refs/heads/broken"]
assert s["failed"][0]["attempts"] == 1 and s["failed"][0]["next_try"] > 0
assert [j["result"] for j in s["dead"]] == ["dead"]
assert "exec format error" in s["dead"][0]["error"]
assert s["done_total"] == 2 and len(s["done"]) == 2
assert all(j["duration"] >= 0 for j in s["done"])
assert [j["ref"] for j in s["last_success"]] == \
    ["refs/heads/main", "refs/tags/v1"]
assert s["last_success"][0]["commit"] == sha
assert s["deployed"]["ref"] == "refs/tags/v1"
assert s["unreadable"] == []
' "$T/json" "$SHA" "$live" "$job"
}
ok "the JSON holds the same facts" check_json

rc=0
"$PB" status --bogus >/dev/null 2>&1 || rc=$?
is "an unknown option is a usage error" "$rc" 64
done_testing
