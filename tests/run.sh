#!/bin/sh
# tests/run.sh: the whole test suite on a fresh Debian 12 machine, as root:
# install what the tests need, then
#   _build-test/  a developer build of its own (whatever demo/run built in
#                 _build/): make check, the unit tests under valgrind,
#                 make distcheck
#   _build-asan/  make check again with ASan and UBSan (no report allowed)
#   _build-fuzz/  each libFuzzer target for FUZZ_SECONDS (default 20)
# Prints how long each phase took; ends with one "N passed, N failed" line
# that counts the TAP results of both make checks, each unit test under
# valgrind and each fuzz target.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
scripts/install-deps
[ -x configure ] || ./autogen.sh >/dev/null

status=0
extra_passed=0
extra_failed=0
t0=$(date +%s)
t_phase=$t0

# phase NAME: print how long the phase that just ended took.
phase() {
	now=$(date +%s)
	echo "run.sh: $1 took $((now - t_phase)) s"
	t_phase=$now
}

# configure_in DIR ARGS...: configure a build tree once, and build it.
configure_in() {
	dir=$1
	shift
	mkdir -p "$top/$dir"
	cd "$top/$dir"
	[ -f Makefile ] || ../configure "$@" >/dev/null
	make -j2 >/dev/null
}

# show_failures: the TAP logs of the failed tests of this tree.
show_failures() {
	find . -name '*.log' -path '*tests*' -exec grep -l '^not ok\|^Bail out' {} + |
	    while read -r f; do echo "=== $f"; cat "$f"; done
}

# count PATTERN: TAP results of both trees that match PATTERN.
count() {
	cat $(find "$top/_build-test" "$top/_build-asan" -name '*.trs' \
	    2>/dev/null) \
	    /dev/null | grep -c "^:test-result: $1" || true
}

configure_in _build-test --enable-developer
phase "build"
make -j2 check || { status=1; show_failures; }
phase "make check"

# Each unit test once under valgrind.
if make check-valgrind >valgrind.log 2>&1; then
	extra_passed=$((extra_passed + $(grep -c '^PASS: valgrind' valgrind.log)))
else
	status=1
	extra_failed=$((extra_failed + 1))
	cat valgrind.log
fi
phase "valgrind"

# PUSHBUILD_DISTCHECK: "yes" runs make distcheck with every test, "unit"
# with the unit tests only (the end-to-end tests have run here and run
# again under the sanitizers), "no" skips it.
case ${PUSHBUILD_DISTCHECK:-yes} in
yes)	dc_tests= ;;
unit)	dc_tests='TESTS=$(UNIT_TESTS)' ;;
*)	dc_tests=skip ;;
esac
if [ "$dc_tests" != skip ] && [ $status -eq 0 ]; then
	make -j2 distcheck $dc_tests >distcheck.log 2>&1 || {
		status=1
		tail -n 60 distcheck.log
	}
	phase "distcheck"
fi

# The whole make check again under ASan, LeakSanitizer and UBSan.  Reports
# go to files, so that one from a program whose exit status no test reads
# (a post-receive hook under git push) is still seen: there must be none.
reports=$top/_build-asan/sanitizer-report
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports
export ASAN_OPTIONS UBSAN_OPTIONS
configure_in _build-asan --enable-developer --enable-sanitizers
rm -f "$reports".*
make -j2 check || { status=1; show_failures; }
if ls "$reports".* >/dev/null 2>&1; then
	status=1
	extra_failed=$((extra_failed + 1))
	for f in "$reports".*; do echo "=== $f"; cat "$f"; done
fi
unset ASAN_OPTIONS UBSAN_OPTIONS
phase "make check with sanitizers"

# Each fuzz target briefly, with clang and libFuzzer.
configure_in _build-fuzz CC=clang --enable-developer --enable-fuzz
if make -j2 fuzz FUZZ_SECONDS="$FUZZ_SECONDS"; then
	extra_passed=$((extra_passed + 3))
else
	status=1
	extra_failed=$((extra_failed + 1))
fi
phase "fuzzing"

cd "$top"
passed=$(($(count PASS) + extra_passed))
failed=$(($(count '\(FAIL\|ERROR\|XPASS\)') + extra_failed))
echo "run.sh: all of it took $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
