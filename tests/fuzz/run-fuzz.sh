#!/bin/sh
# run-fuzz.sh SECONDS SRCDIR NAME MAXLEN: run tests/fuzz/fuzz_NAME (built
# in the current directory) for SECONDS on a working corpus in
# tests/fuzz/work/NAME that starts from the seeds in SRCDIR.  New inputs,
# the log and any crash (tests/fuzz/work/NAME-crash-*) stay in the build
# tree.  tests/fuzz/NAME.dict, when there is one, is libFuzzer's dictionary.  Prints the run's statistics; on a crash, the log's end, exit 1.
set -eu
seconds=$1 srcdir=$2 name=$3 maxlen=$4
work=tests/fuzz/work
mkdir -p "$work/$name"
dict=
if [ -f "$srcdir/tests/fuzz/$name.dict" ]; then
	dict=-dict=$srcdir/tests/fuzz/$name.dict
fi
echo "fuzz $name: $seconds s"
# -close_fd_mask=2: the targets' own messages (conf_load reports every bad
# file) are dropped; sanitizer and libFuzzer reports still come through.
if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "tests/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len="$maxlen" \
    -close_fd_mask=2 -print_final_stats=1 $dict \
    -artifact_prefix="$work/$name-" \
    "$work/$name" "$srcdir/tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1
then
	tail -n 80 "$work/$name.log"
	echo "fuzz $name: FAILED, input in $work/$name-*"
	exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
cov=$(grep -o 'cov: [0-9]*' "$work/$name.log" | tail -n 1)
units=$(ls "$work/$name" | wc -l)
echo "fuzz $name: $runs runs, $cov, corpus $units inputs"
