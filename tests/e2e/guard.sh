#!/bin/sh
# The arch guard: a builder on the wrong architecture refuses, names both
# architectures, exits 1, and leaves every job where it was.
. "$(dirname "$0")/lib.sh"

FAKE=$top_builddir/tests/pushbuild-fakearch
ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
is "push queued one job" "$(jobs_in new)" 1

rc=0
PUSHBUILD_TEST_MACHINE=aarch64 "$FAKE" drain >"$T/out" 2>&1 || rc=$?
is "drain on aarch64 exits 1" "$rc" 1
ok "banner names the host's architecture" grep -q 'aarch64' "$T/out"
ok "banner names the required architecture" grep -q "$(uname -m)" "$T/out"
is "the job stays in new/" "$(jobs_in new)" 1
is "nothing was claimed" "$(jobs_in active)" 0
ok "the engine was never called" test ! -e "$T/engine.calls"

rc=0
PUSHBUILD_TEST_MACHINE=aarch64 "$FAKE" retry >"$T/out" 2>&1 || rc=$?
is "retry on aarch64 exits 1" "$rc" 1
rc=0
PUSHBUILD_TEST_MACHINE=aarch64 "$FAKE" build >"$T/out" 2>&1 || rc=$?
is "build on aarch64 exits 1" "$rc" 1
ok "still nothing ran" test ! -e "$T/engine.calls"

# A real personality change of the kernel, with the installed program.
rc=0
setarch i686 "$PB" drain >"$T/out" 2>&1 || rc=$?
is "drain under setarch i686 exits 1" "$rc" 1
ok "its banner names i686" grep -q 'refusing to build on i686' "$T/out"
is "the job is still pending" "$(jobs_in new)" 1

# An engine that runs images for another architecture (emulation) is
# refused like the host; an engine that does not answer leaves the queue.
echo arm64 >"$T/engine.arch"
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "an arm64 engine on this host: drain exits 1" "$rc" 1
ok "it names both architectures" grep -q 'engine runs arm64 images, the workers need amd64' "$T/out"
is "the job is still pending" "$(jobs_in new)" 1
ok "no build was started" sh -c "! grep -q '|build|' '$T/engine.calls'"
rc=0
"$PB" build >"$T/out" 2>&1 || rc=$?
is "build with that engine exits 1 too" "$rc" 1
ok "still no build was started" sh -c "! grep -q '|build|' '$T/engine.calls'"
rm -f "$T/engine.arch"

touch "$T/engine.down"
rc=0
"$PB" drain >"$T/out" 2>&1 || rc=$?
is "an engine that does not answer: drain exits 69" "$rc" 69
ok "saying what the engine said" grep -q 'exit status 1: Cannot connect to the engine' "$T/out"
is "the job is still pending, untouched" "$(jobs_in new)$(job_field new attempts)" 1
rm -f "$T/engine.down"

# On the right machine the same job builds.
rc=0
PUSHBUILD_TEST_MACHINE=$(uname -m) "$FAKE" drain >"$T/out" 2>&1 || rc=$?
is "drain on the configured architecture exits 0" "$rc" 0
is "the job is done" "$(jobs_in done)" 1
done_testing
