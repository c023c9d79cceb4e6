#!/bin/sh
# git push -o: pushbuild.skip queues nothing, pushbuild.force and
# pushbuild.no-restart reach the job (and the drain restarts nothing for
# it), an unknown pushbuild.* option is one warning, others are ignored.
. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
make_standin_compose "$T/compose"
setup_pushed_app
git -C "$T/mirror.git" config receive.advertisePushOptions true
mkdir -p "$T/workers"
sed -i "s|^enabled = no|enabled = yes\ndirectory = $T/workers\ncompose = $T/compose|" \
    "$T/pushbuild.ini"
rm -f "$T"/spool/new/*

# commit MSG: one more commit in the app.
commit() {
	git -C "$T/app" commit -q --allow-empty -m "$1"
}

commit skip
git -C "$T/app" push -o pushbuild.skip vps main >"$T/out" 2>&1
is "pushbuild.skip queues nothing" "$(jobs_in new)" 0
ok "and says so" grep -q 'remote: pushbuild: push option pushbuild.skip: nothing queued' "$T/out"
is "the push went through" "$(git -C "$T/mirror.git" rev-parse main)" \
    "$(git -C "$T/app" rev-parse main)"

commit plain
git -C "$T/app" push -q -o ci.skip vps main 2>"$T/out"
is "a push with another option queues" "$(jobs_in new)" 1
is "not forced (no force line)" "$(job_field new force)" ""
is "restarting (no no_restart line)" "$(job_field new no_restart)" ""
ok "no warning for options not ours" sh -c "! grep -q warn\|ignored '$T/out'"
rm -f "$T"/spool/new/*

commit force
git -C "$T/app" push -o pushbuild.force -o pushbuild.no-restart \
    -o pushbuild.bogus vps main >"$T/out" 2>&1
is "the job is queued" "$(jobs_in new)" 1
is "force=yes" "$(job_field new force)" yes
is "no_restart=yes" "$(job_field new no_restart)" yes
is "one warning for the unknown option" \
    "$(grep -c "ignored unknown push option 'pushbuild.bogus'" "$T/out")" 1

"$PB" drain >/dev/null 2>&1
is "the job built" "$(job_field done result)" built
ok "without a restart" test ! -e "$T/compose.calls"
done_testing
