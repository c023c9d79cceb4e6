#!/bin/sh
# The man pages are clean under mandoc -Tlint (cross-references between
# them are checked with the pages side by side), and their SYNOPSIS names
# every command that pushbuild's usage names.
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || bail "mandoc is not installed"
mkdir -p "$T/man/man5" "$T/man/man8"
cp "$top_srcdir"/doc/*.8 "$T/man/man8/"
cp "$top_srcdir"/doc/*.5 "$T/man/man5/"
# Style notes too; only "referenced manual not found" is left out, since
# which pages are installed depends on the machine, not on ours.
for page in man8/pushbuild.8 man8/pushbuild-hook.8 man5/pushbuild.ini.5; do
	out=$(cd "$T/man" && mandoc -Tlint "$page" 2>&1 |
	    grep -v 'referenced manual not found' || true)
	is "mandoc -Tlint has nothing to say about $page" "$out" ""
done

# The command of each usage line: the first word that is not an option.
"$PB" -h 2>"$T/usage" || true
commands=$(awk '{ for (i = 1; i <= NF && $i != "pushbuild"; i++) ;
	for (i++; i <= NF; i++)
		if ($i !~ /^\[/ && $i !~ /\]$/ && $i != "|") { print $i; break } }' \
    "$T/usage" | sort -u)
is "usage names every command" "$(echo $commands)" \
    "build check drain enqueue install-hook log metrics requeue retry rollback status"
for cmd in $commands; do
	ok "pushbuild(8) has a SYNOPSIS line for $cmd" \
	    grep -q "^\.Cm $cmd\$" "$top_srcdir/doc/pushbuild.8"
done
done_testing
