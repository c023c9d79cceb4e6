#!/bin/sh
# pushbuild install-hook: a symlink (or with --copy a copy) of
# pushbuild-hook as the mirror's post-receive, the mirror's
# pushbuild.config and receive.advertisePushOptions set; another hook is
# replaced only with --force; a real push then queues a job.
. "$(dirname "$0")/lib.sh"

export PUSHBUILD_HOOK=$HOOK
make_app "$T/app"
write_config "$T/pushbuild.ini" "$T/mirror.git"
git init -q --bare "$T/mirror.git"
cd "$T"
hook=$T/mirror.git/hooks/post-receive

rc=0
"$PB" -c pushbuild.ini install-hook mirror.git >"$T/out" 2>&1 || rc=$?
is "install-hook exits 0" "$rc" 0
is "the hook is a symlink to pushbuild-hook" "$(readlink "$hook")" \
    "$(realpath "$HOOK")"
is "pushbuild.config is the config's absolute path" \
    "$(git -C mirror.git config pushbuild.config)" "$T/pushbuild.ini"
is "push options are advertised" \
    "$(git -C mirror.git config receive.advertisePushOptions)" true
ok "no temporary file is left" \
    sh -c "! ls -A '$T/mirror.git/hooks' | grep -q '^\.'"

git -C "$T/app" push -q "$T/mirror.git" main 2>"$T/push.out"
is "a push through the installed hook queues a job" "$(jobs_in new)" 1
ok "and says so" grep -q 'remote: pushbuild: queued' "$T/push.out"

"$PB" -c pushbuild.ini install-hook --copy mirror.git >/dev/null
ok "--copy makes a regular file" test -f "$hook" -a ! -L "$hook"
ok "the same bytes as pushbuild-hook" cmp "$hook" "$HOOK"
ok "executable" test -x "$hook"
"$PB" -c pushbuild.ini install-hook mirror.git >/dev/null
ok "its own copy is replaced without --force" test -L "$hook"

rm "$hook"
printf '#!/bin/sh\necho mine\n' >"$hook"
chmod 755 "$hook"
rc=0
"$PB" -c pushbuild.ini install-hook mirror.git >"$T/out" 2>&1 || rc=$?
is "another hook is not replaced" "$rc" 73
ok "which says so" grep -q 'another post-receive is there' "$T/out"
ok "and the other hook is intact" grep -q 'echo mine' "$hook"
"$PB" -c pushbuild.ini install-hook --force mirror.git >/dev/null
is "--force replaces it" "$(readlink "$hook")" "$(realpath "$HOOK")"

rc=0
"$PB" -c pushbuild.ini install-hook "$T/nowhere" >/dev/null 2>&1 || rc=$?
is "no mirror there" "$rc" 66
rc=0
PUSHBUILD_HOOK=$T/none "$PB" -c pushbuild.ini install-hook mirror.git \
    >"$T/out" 2>&1 || rc=$?
is "no hook program" "$rc" 69
ok "which says where it looked" grep -q "PUSHBUILD_HOOK" "$T/out"
done_testing
