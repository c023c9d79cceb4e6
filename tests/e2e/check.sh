#!/bin/sh
# pushbuild check: a fresh setup with pieces missing prints one problem
# line for each and exits 1; once they are fixed every line is ok and it
# exits 0.  Also: the wrong host arch, an engine that does not answer, a
# config that does not load.
. "$(dirname "$0")/lib.sh"

export PUSHBUILD_HOOK=$HOOK
ENGINE=$T/docker
make_standin_engine "$ENGINE"
write_config "$T/pushbuild.ini" "$T/mirror.git" "$ENGINE"
sed -i "s|^enabled = no|enabled = yes\ncompose = $T/compose|" \
    "$T/pushbuild.ini"
export PUSHBUILD_CONFIG=$T/pushbuild.ini
git init -q --bare "$T/mirror.git"
git -C "$T/mirror.git" config core.hooksPath /nowhere

rc=0
"$PB" check >"$T/out" 2>"$T/err" || rc=$?
is "check with problems exits 1" "$rc" 1
is "prints nothing on stderr" "$(cat "$T/err")" ""
ok "the config loads" grep -q "^ok: config '$T/pushbuild.ini' loads$" \
    "$T/out"
ok "the arch is right" grep -q '^ok: this host is ' "$T/out"
ok "the engine answers" grep -q "^ok: engine '$ENGINE' answers" "$T/out"
ok "problem: no compose" \
    grep -q "^problem: compose command '$T/compose' not found.*; fix: " \
    "$T/out"
ok "problem: hooksPath elsewhere" \
    grep -q "^problem: core.hooksPath of the mirror is '/nowhere'" "$T/out"
ok "problem: no hook" \
    grep -q "^problem: hook '$T/mirror.git/hooks/post-receive': No such file.*; fix: pushbuild install-hook $T/mirror.git$" \
    "$T/out"
ok "problem: pushbuild.config unset" \
    grep -q '^problem: pushbuild.config of the mirror is not set' "$T/out"
ok "problem: push options off" \
    grep -q '^problem: receive.advertisePushOptions' "$T/out"
ok "problem: no spool" \
    grep -q "^problem: spool directory '$T/spool': No such file" "$T/out"
ok "the workdir can be made" \
    grep -q "^ok: workdir '$T/work' can be created in '$T'$" "$T/out"
is "six problems" "$(grep -c '^problem: ' "$T/out")" 6
is "each with a fix" "$(grep -c '^problem: .*; fix: ' "$T/out")" 6

# A hook that is some other program, and a spool not group-shared.
printf '#!/bin/sh\nexit 0\n' >"$T/mirror.git/hooks/post-receive"
chmod 755 "$T/mirror.git/hooks/post-receive"
mkdir -p "$T/spool/new"
chmod 755 "$T/spool"
"$PB" check >"$T/out" 2>&1 || true
ok "problem: a foreign hook" \
    grep -q "^problem: hook '.*post-receive' is neither" "$T/out"
ok "problem: spool not group-shared" \
    grep -q "^problem: spool directory '$T/spool' is not group-shared (mode 0755" \
    "$T/out"

# Fix everything.
make_standin_compose "$T/compose"
git -C "$T/mirror.git" config --unset core.hooksPath
rm "$T/mirror.git/hooks/post-receive"
"$PB" install-hook "$T/mirror.git" >/dev/null
rm -rf "$T/spool"
# The hook makes the spool, group-shared, at the first push.
mkdir -p "$T/app"
git -C "$T/app" init -q
git -C "$T/app" commit -q --allow-empty -m one
git -C "$T/app" push -q "$T/mirror.git" HEAD:refs/heads/main 2>/dev/null
rc=0
"$PB" check >"$T/out" 2>&1 || rc=$?
is "check with all fixed exits 0" "$rc" 0
is "no problem left" "$(grep -c '^problem: ' "$T/out" || true)" 0
is "ten ok lines" "$(grep -c '^ok: ' "$T/out")" 10
ok "the hook is ours" grep -q "^ok: hook '.*' runs pushbuild-hook" "$T/out"

# The wrong host, an engine that does not answer or emulates.
rc=0
PUSHBUILD_TEST_MACHINE=aarch64 "$top_builddir/tests/pushbuild-fakearch" \
    check >"$T/out" 2>&1 || rc=$?
is "check on another arch exits 1" "$rc" 1
ok "problem: the host's arch" \
    grep -q "^problem: this host is aarch64, \[builder\] arch is $(uname -m)" \
    "$T/out"
touch "$T/engine.down"
"$PB" check >"$T/out" 2>&1 || true
ok "problem: the engine does not answer" \
    grep -q "^problem: engine '$ENGINE' does not answer: " \
    "$T/out"
rm "$T/engine.down"
echo arm64 >"$T/engine.arch"
"$PB" check >"$T/out" 2>&1 || true
ok "problem: an emulating engine" \
    grep -q "^problem: engine '$ENGINE' runs arm64 images" "$T/out"
rm "$T/engine.arch"

# A config that does not load.
echo "[bogus]" >"$T/bad.ini"
rc=0
"$PB" -c "$T/bad.ini" check >"$T/out" 2>"$T/err" || rc=$?
is "a config that does not load exits 78" "$rc" 78
ok "one problem line for it" \
    grep -q "^problem: config '$T/bad.ini' does not load" "$T/out"
ok "and the reason on stderr" grep -q "bad.ini:1: unknown section" "$T/err"
done_testing
