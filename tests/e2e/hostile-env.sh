#!/bin/sh
# hostile-env.sh - the environment does not steer pushbuild.  The hook and
# pushbuild drain, with every GIT_* variable that could redirect git at a
# decoy repository, still queue and build the mirror's commit and write
# nothing into the decoy; drain works from env -i (no HOME, no PATH); the
# engine gets exactly PATH, HOME, LC_ALL and the pass_env names; a SHA-256
# mirror and a mirror owned by another user are refused in one clear line.

. "$(dirname "$0")/lib.sh"

ENGINE=$T/docker
make_standin_engine "$ENGINE"
setup_pushed_app
rm -f "$T"/spool/new/*
sed -i 's|^timeout = 600|&\npass_env = HTTP_PROXY NO_SUCH_VARIABLE|' \
    "$T/pushbuild.ini"

# The decoy: a repository with a work tree, its own commit on main, and a
# git config (local and "global") that names a config of its own, whose
# spool is elsewhere.
D=$T/decoy
git init -q "$D"
echo decoy >"$D/decoy.txt"
git -C "$D" add decoy.txt
git -C "$D" commit -q -m decoy
write_config "$T/decoy.ini" "$D" "$ENGINE"
sed -i "s|^dir = .*|dir = $T/decoy-spool|" "$T/decoy.ini"
git -C "$D" config pushbuild.config "$T/decoy.ini"
printf '[pushbuild]\n\tconfig = %s\n' "$T/decoy.ini" >"$T/decoy.gitconfig"

# decoy_env CMD...: CMD with every variable pointed at the decoy.
decoy_env() {
	env GIT_DIR="$D/.git" GIT_WORK_TREE="$D" GIT_INDEX_FILE="$D/.git/index" \
	    GIT_OBJECT_DIRECTORY="$D/.git/objects" \
	    GIT_ALTERNATE_OBJECT_DIRECTORIES="$D/.git/objects" \
	    GIT_CONFIG="$D/.git/config" GIT_CONFIG_GLOBAL="$T/decoy.gitconfig" \
	    "$@"
}

# snapshot: every file of the decoy with its type, mode, size and mtime.
snapshot() {
	find "$D" -printf '%y %m %s %T@ %p\n' | LC_ALL=C sort
}
snapshot >"$T/decoy.before"

# A real push whose post-receive hook runs in the decoy's environment.
cat >"$T/mirror.git/hooks/post-receive" <<EOF
#!/bin/sh
export GIT_DIR='$D/.git' GIT_WORK_TREE='$D' GIT_INDEX_FILE='$D/.git/index'
export GIT_OBJECT_DIRECTORY='$D/.git/objects'
export GIT_ALTERNATE_OBJECT_DIRECTORIES='$D/.git/objects'
export GIT_CONFIG='$D/.git/config' GIT_CONFIG_GLOBAL='$T/decoy.gitconfig'
exec '$HOOK'
EOF
chmod 755 "$T/mirror.git/hooks/post-receive"
echo hostile >"$T/app/env.txt"
git -C "$T/app" add env.txt
git -C "$T/app" commit -q -m hostile-env
SHA=$(git -C "$T/app" rev-parse HEAD)
SHORT=$(echo "$SHA" | cut -c1-7)
rc=0
git -C "$T/app" push vps main >"$T/push.out" 2>&1 || rc=$?
is "a push whose hook has the decoy's GIT_* succeeds" "$rc" 0
is "the hook queues one job" "$(jobs_in new)" 1
is "for the mirror's commit" "$(job_field new commit)" "$SHA"
ok "into the configured spool, not the decoy's" test ! -e "$T/decoy-spool"

# Drain in the same environment, plus variables the engine must not get.
rc=0
HTTP_PROXY=http://proxy.invalid:3128 SECRET_TOKEN=s3cret \
    decoy_env "$PB" drain >"$T/drain.out" 2>&1 || rc=$?
is "drain with the decoy's GIT_* exits 0" "$rc" 0
is "the job is built" "$(job_field done result)" built
is "the mirror's commit was built" \
    "$(sed -n 's/.*|build|.*|-t|\([^|]*\)|.*/\1/p' "$T/engine.calls" |
    tr '\n' ' ')" "fiskai-worker:$SHORT fiskai-worker-ocr:$SHORT "
snapshot >"$T/decoy.after"
ok "nothing in the decoy changed" cmp "$T/decoy.before" "$T/decoy.after"
ok "the decoy's spool was never made" test ! -e "$T/decoy-spool"

# Without pushbuild.config in the mirror, GIT_CONFIG and GIT_CONFIG_GLOBAL
# (which name the decoy's config) are not where the hook looks either: it
# falls back to the system file.
git -C "$T/mirror.git" config --unset pushbuild.config
rc=0
(cd "$T/mirror.git" && env -u PUSHBUILD_CONFIG GIT_CONFIG="$T/decoy.gitconfig" \
    GIT_CONFIG_GLOBAL="$T/decoy.gitconfig" "$HOOK" >"$T/hook.out" 2>&1 <<EOF
0000000000000000000000000000000000000000 $SHA refs/heads/main
EOF
) || rc=$?
is "the hook does not take its config from GIT_CONFIG*" "$rc" 78
ok "it looked for the system file" \
    grep -q "read config '/etc/pushbuild/pushbuild.ini'" "$T/hook.out"
ok "and queued nothing into the decoy's spool" test ! -e "$T/decoy-spool"
git -C "$T/mirror.git" config pushbuild.config "$T/pushbuild.ini"

# The engine's environment: PATH, HOME, LC_ALL, the pass_env names that
# are set, and PUSHBUILD_JOB (the job's name, by which a later drain finds
# the processes of a dead builder), nothing else.
names() {
	sed 's/=.*//' "$T/engine.env" | LC_ALL=C sort | tr '\n' ' '
}
is "the engine gets PATH, HOME, LC_ALL, pass_env and PUSHBUILD_JOB" \
    "$(names)" "HOME HTTP_PROXY LC_ALL PATH PUSHBUILD_JOB "
ok "PUSHBUILD_JOB names the job, not its ref" grep -qx \
    "PUSHBUILD_JOB=$(basename "$(ls "$T"/spool/done/[0-9]*)")" "$T/engine.env"
ok "pass_env passes the value" \
    grep -qx 'HTTP_PROXY=http://proxy.invalid:3128' "$T/engine.env"
ok "LC_ALL is C" grep -qx 'LC_ALL=C' "$T/engine.env"
root_home=$(getent passwd "$(id -u)" | cut -d: -f6)
ok "HOME is the user's, not the caller's" \
    grep -qx "HOME=$root_home" "$T/engine.env"

# From cron: no HOME, no PATH, nothing at all; the engine by full path.
echo cron >"$T/app/env.txt"
git -C "$T/app" commit -q -a -m cron
sed -i 's|^exec .*|exec '"'$HOOK'"'|' "$T/mirror.git/hooks/post-receive"
git -C "$T/app" push -q vps main 2>/dev/null
SHA2=$(git -C "$T/app" rev-parse HEAD)
: >"$T/engine.calls"
rc=0
env -i "$PB" -c "$T/pushbuild.ini" drain >"$T/drain.out" 2>&1 || rc=$?
is "env -i pushbuild -c CONF drain exits 0" "$rc" 0
is "and builds the pushed commit" \
    "$(grep -l "^commit=$SHA2" "$T"/spool/done/[0-9]* | xargs sed -n \
    's/^result=//p')" built
is "its engine gets PATH, HOME, LC_ALL and PUSHBUILD_JOB only" "$(names)" \
    "HOME LC_ALL PATH PUSHBUILD_JOB "
ok "with the builder's own PATH" \
    sh -c "grep '^PATH=/' '$T/engine.env' | grep -q /usr/bin"

# A SHA-256 mirror: libgit2 1.5 cannot read it, and says so in one line.
# The hooks from here on find their config through the mirror.
unset PUSHBUILD_CONFIG
git init -q --bare --object-format=sha256 "$T/sha256.git"
cp "$HOOK" "$T/sha256.git/hooks/post-receive"
write_config "$T/sha256.ini" "$T/sha256.git" "$ENGINE"
sed -i 's|^refs = .*|refs = refs/heads/*|' "$T/sha256.ini"
git -C "$T/sha256.git" config pushbuild.config "$T/sha256.ini"
git init -q --object-format=sha256 "$T/app256"
echo sha256 >"$T/app256/f.txt"
git -C "$T/app256" add f.txt
git -C "$T/app256" commit -q -m sha256
rc=0
git -C "$T/app256" push "$T/sha256.git" main >"$T/push.out" 2>&1 || rc=$?
is "a push into a SHA-256 mirror succeeds" "$rc" 0
# The reason comes first, once; the hook's general advice for a push that
# queued nothing may follow it.
why="open mirror '.*': SHA-256 repositories are not supported by libgit2"
is "the hook's first line says SHA-256 is not supported" \
    "$(grep '^remote: pushbuild' "$T/push.out" | head -n 1 |
    grep -c "^remote: pushbuild: $why")" 1
is "and only that line names the problem" \
    "$(grep -c 'SHA-256\|libgit2\|error' "$T/push.out")" 1
rc=0
"$PB" -c "$T/sha256.ini" enqueue main >"$T/enqueue.out" 2>&1 || rc=$?
ok "pushbuild enqueue in a SHA-256 mirror fails" test "$rc" -ne 0
is "in one line" "$(wc -l <"$T/enqueue.out")" 1
ok "naming the mirror and SHA-256" grep -q \
    "open mirror '$T/sha256.git': SHA-256 repositories are not supported" \
    "$T/enqueue.out"

# A mirror owned by another user: refused, naming the owner and the key,
# until trust_owner = yes.  git's receive-pack is told to trust it through
# GIT_CONFIG_GLOBAL, which git reads and libgit2 does not.
N=$T/nobody.git
git init -q --bare "$N"
cp "$HOOK" "$N/hooks/post-receive"
write_config "$T/nobody.ini" "$N" "$ENGINE"
git -C "$N" config pushbuild.config "$T/nobody.ini"
chown -R nobody "$N"
printf '[safe]\n\tdirectory = *\n' >"$T/trust.gitconfig"
RP="env GIT_CONFIG_GLOBAL=$T/trust.gitconfig git-receive-pack"
rm -rf "$T"/spool/new/* "$T"/spool/done/*
rc=0
git -C "$T/app" push --receive-pack="$RP" "$N" main >"$T/push.out" 2>&1 ||
    rc=$?
is "a push into a mirror owned by nobody succeeds" "$rc" 0
why="owned by user 'nobody' (uid [0-9]*), not by 'root'; set trust_owner = yes"
ok "the hook names the owner and trust_owner" grep -q \
    "^remote: pushbuild: open mirror '$N': $why in \[repository\]" \
    "$T/push.out"
is "in one line" "$(grep -c '^remote: pushbuild' "$T/push.out")" 1
is "and queues nothing" "$(jobs_in new)" 0
rc=0
"$PB" -c "$T/nobody.ini" enqueue main >"$T/enqueue.out" 2>&1 || rc=$?
ok "pushbuild enqueue refuses it too" test "$rc" -ne 0
ok "with the same reason" grep -q "owned by user 'nobody'" "$T/enqueue.out"

sed -i -e 's|^path = \(.*\)|path = \1\ntrust_owner = yes|' \
    -e 's|^refs = .*|refs = refs/heads/*|' "$T/nobody.ini"
rc=0
git -C "$T/app" push --receive-pack="$RP" "$N" main:refs/heads/trusted \
    >"$T/push.out" 2>&1 || rc=$?
is "with trust_owner = yes the push succeeds" "$rc" 0
is "and queues the commit" "$(job_field new commit)" "$SHA2"
ok "and says so" grep -q '^remote: pushbuild: queued ' "$T/push.out"
rc=0
"$PB" -c "$T/nobody.ini" drain >"$T/drain.out" 2>&1 || rc=$?
is "drain builds from the trusted mirror" "$rc" 0
is "the job is built" "$(job_field done result)" built

done_testing
