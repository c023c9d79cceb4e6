#!/bin/sh
# tests/run.sh: the whole test suite on a fresh Debian 12 machine, as root:
# install what the tests need, build in _build-test/ (a developer build
# of its own, whatever demo/run built in _build/), make check, make
# distcheck.  Ends with one "N passed, N failed" line.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p _build-test
cd _build-test
[ -f Makefile ] || ../configure --enable-developer >/dev/null
make -j2 >/dev/null

status=0
make -j2 check || status=$?
if [ $status -ne 0 ]; then
	find . -name '*.log' -path '*tests*' -exec grep -l '^not ok\|^Bail out' {} + |
	    while read -r f; do echo "=== $f"; cat "$f"; done
fi
if [ "${PUSHBUILD_DISTCHECK:-yes}" = yes ] && [ $status -eq 0 ]; then
	make -j2 distcheck >distcheck.log 2>&1 || {
		status=$?
		tail -n 60 distcheck.log
	}
fi
passed=$(cat $(find . -name '*.trs') | grep -c '^:test-result: PASS' || true)
failed=$(cat $(find . -name '*.trs') | grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)' || true)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
cd "$top"
exit $status
