#!/bin/sh
# The pipeline end to end with a real engine: git push -> spool -> drain
# -> podman builds both images -> every tag and label names the commit.
. "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || bail "podman is not installed"
setup_pushed_app
is "the push queued one job" "$(jobs_in new)" 1
JOB=$(ls "$T/spool/new")

rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "drain exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/out" "$T/spool/log/$JOB"
is "the job is done" "$(jobs_in done)" 1
is "as built" "$(job_field done result)" "built"
is "nothing pending" "$(jobs_in new)$(jobs_in active)$(jobs_in failed)" "000"
ok "the build log has the engine's output" grep -q 'COMMIT' "$T/spool/log/$JOB"

label() {
	podman_t image inspect --format "{{index .Labels \"$2\"}}" "$1"
}
for img in fiskai-worker fiskai-worker-ocr; do
	is "$img:$SHORT has GIT_SHA" "$(label "$img:$SHORT" GIT_SHA)" "$SHA"
	is "$img:$SHORT has the OCI revision" \
	    "$(label "$img:$SHORT" org.opencontainers.image.revision)" "$SHA"
	date=$(label "$img:$SHORT" BUILD_DATE)
	ok "$img BUILD_DATE is UTC ISO 8601 ($date)" \
	    sh -c "echo '$date' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'"
	is "$img created label equals BUILD_DATE" \
	    "$(label "$img:$SHORT" org.opencontainers.image.created)" "$date"
	is "$img:latest is the same image" \
	    "$(podman_t image inspect --format '{{.Id}}' "$img:latest")" \
	    "$(podman_t image inspect --format '{{.Id}}' "$img:$SHORT")"
	is "$img is for this host" \
	    "$(podman_t image inspect --format '{{.Architecture}}' "$img:$SHORT")" \
	    amd64
done
for w in orchestrator sentinel extractor composer; do
	is "worker tag fiskai-worker-$w:latest is the base image" \
	    "$(podman_t image inspect --format '{{.Id}}' "fiskai-worker-$w:latest")" \
	    "$(podman_t image inspect --format '{{.Id}}' "fiskai-worker:$SHORT")"
done
is "worker tag fiskai-worker-ocr:latest is the ocr image" \
    "$(podman_t image inspect --format '{{.Id}}' fiskai-worker-ocr:latest)" \
    "$(podman_t image inspect --format '{{.Id}}' "fiskai-worker-ocr:$SHORT")"

# The build args reached the RUN step: read the file it wrote.
flavor() {
	dir=$(podman_t image mount "$1")
	cat "$dir/etc/worker-flavor"
	podman_t image unmount "$1" >/dev/null
}
is "base was built WITH_OCR=false" "$(flavor "fiskai-worker:$SHORT")" \
    "ocr=false sha=$SHA"
is "ocr was built WITH_OCR=true" "$(flavor "fiskai-worker-ocr:$SHORT")" \
    "ocr=true sha=$SHA"
is "the work directory was removed" "$(ls "$T/work")" ""

# A second push moves :latest to the new commit; the old tag stays.
echo "v2" >"$T/app/src/mod0/f0.txt"
git -C "$T/app" commit -q -am "second"
git -C "$T/app" push -q vps main 2>/dev/null
SHA2=$(git -C "$T/app" rev-parse HEAD)
"$PB" drain >"$T/out" 2>&1 || true
is "the second commit is built and tagged latest" \
    "$(label fiskai-worker:latest GIT_SHA)" "$SHA2"
is "the worker tag moved too" \
    "$(label fiskai-worker-composer:latest GIT_SHA)" "$SHA2"
is "the first commit's tag still names it" \
    "$(label "fiskai-worker:$SHORT" GIT_SHA)" "$SHA"

# Dedup: a commit whose images exist is not built again, but its tags
# still move (here: back to the first commit, as an operator asked).
date1=$(label "fiskai-worker:$SHORT" BUILD_DATE)
rm -f "$T"/spool/done/*
"$PB" enqueue --ref refs/heads/main "$SHA" >/dev/null
"$PB" drain >"$T/out" 2>&1
is "the job is recorded as already built" "$(job_field done result)" \
    already-built
is "the image was not rebuilt" "$(label "fiskai-worker:$SHORT" BUILD_DATE)" \
    "$date1"
is ":latest moved to that commit all the same" \
    "$(label fiskai-worker:latest GIT_SHA)" "$SHA"

# --force rebuilds.
sleep 1
rm -f "$T"/spool/done/*
"$PB" enqueue --force --ref refs/heads/main "$SHA" >/dev/null
"$PB" drain >"$T/out" 2>&1
is "enqueue --force builds again" "$(job_field done result)" built
ok "a new image, with a new BUILD_DATE" test \
    "$(label "fiskai-worker:$SHORT" BUILD_DATE)" != "$date1"

# Rollback: back to the deploy before, by retagging; never a build.
"$PB" enqueue --ref refs/heads/main "$SHA2" >/dev/null
"$PB" drain >/dev/null 2>&1
is "the second commit is deployed again" \
    "$(label fiskai-worker:latest GIT_SHA)" "$SHA2"
date2=$(label "fiskai-worker:$SHORT" BUILD_DATE)
rc=0
"$PB" rollback >"$T/out" 2>&1 || rc=$?
is "rollback exits 0" "$rc" 0
ok "it says where it goes" grep -q "queued rollback to $(echo "$SHA" | cut -c1-12)" "$T/out"
is "the first commit is :latest again" "$(label fiskai-worker:latest GIT_SHA)" "$SHA"
is "and the worker tags" "$(label fiskai-worker-ocr:latest GIT_SHA)" "$SHA"
is "without a build" "$(label "fiskai-worker:$SHORT" BUILD_DATE)" "$date2"
"$PB" rollback "$SHA2" >/dev/null 2>&1
is "rollback to a named commit" "$(label fiskai-worker:latest GIT_SHA)" "$SHA2"

echo three >"$T/app/three.txt"
git -C "$T/app" add three.txt
git -C "$T/app" commit -q -m three
git -C "$T/app" push -q vps HEAD:refs/heads/unbuilt 2>/dev/null
rc=0
"$PB" rollback unbuilt >"$T/out" 2>&1 || rc=$?
is "rollback to a commit never built fails" "$rc" 75
ok "saying a rollback does not build" grep -q "a rollback does not build" "$T/out"
is "and :latest stays" "$(label fiskai-worker:latest GIT_SHA)" "$SHA2"

# Nothing to do: silent, exit 0 (cron sends no mail).
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "an empty queue drains with exit 0" "$rc" 0
is "and prints nothing" "$(cat "$T/out")" ""
done_testing
