#!/bin/sh
# The systemd units in etc/systemd pass systemd-analyze verify (with the
# program path pointed at the built pushbuild), and the cron file runs
# the two commands the docs name.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || bail "systemd-analyze is not installed"
mkdir -p "$T/units"
for u in "$top_srcdir"/etc/systemd/*; do
	sed "s|/usr/local/bin/pushbuild|$PB|" "$u" >"$T/units/$(basename "$u")"
done
rc=0
(cd "$T/units" && systemd-analyze verify --man=no pushbuild.path \
    pushbuild.service pushbuild-retry.timer pushbuild-retry.service) \
    >"$T/out" 2>&1 || rc=$?
is "systemd-analyze verify accepts the units" "$rc" 0
# Warnings about the sandbox itself (no running systemd) are not ours.
is "and has nothing to say about them" \
    "$(grep 'pushbuild' "$T/out" | grep -v '^Failed to\|not running' || true)" ""
is "the path unit starts the drain service" \
    "$(sed -n 's/^Unit=//p' "$T/units/pushbuild.path")" pushbuild.service
is "the service drains" "$(sed -n 's/^ExecStart=//p' "$T/units/pushbuild.service")" \
    "$PB drain"
is "the timer runs retry" \
    "$(sed -n 's/^ExecStart=//p' "$T/units/pushbuild-retry.service")" "$PB retry"
is "the cron file drains and retries" \
    "$(awk '/^[*]/ { print $NF }' "$top_srcdir/etc/pushbuild.cron" | tr '\n' ' ')" \
    "drain retry "
done_testing
