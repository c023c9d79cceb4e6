#!/bin/sh
# checkout.sh - checkout_commit() writes what "git archive" writes, with
# git's modes and symlinks, leaves the mirror byte for byte as it was even
# when it is read-only, and refuses a missing or symlinked Dockerfile.

. "$(dirname "$0")/lib.sh"

APP=$T/app
MIRROR=$T/mirror.git
CO=$top_builddir/tests/checkout-tree
umask 022

# snapshot DIR: every entry with its type and size, and every file's hash
# (not the modes: the test itself makes the mirror read-only and back).
snapshot() {
	(cd "$1" && find . -printf '%p %y %s\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# modes DIR: the mode and type of every entry below DIR.
modes() {
	(cd "$1" && find . -mindepth 1 -printf '%p %m %y\n' | LC_ALL=C sort)
}

# status CMD...: the exit status of CMD, output in $T/co.out.
status() {
	s=0
	"$@" >"$T/co.out" 2>&1 || s=$?
	echo $s
}

# The application, a commit where a symlink became a directory (and one
# pointing out of the tree), and two commits the builder must refuse.
make_app "$APP"
good=$(git -C "$APP" rev-parse main)
ln -s ../../etc "$APP/outside"
git -C "$APP" rm -q run-link
mkdir "$APP/run-link"
echo "now a directory" >"$APP/run-link/file.txt"
git -C "$APP" add -A
git -C "$APP" commit -q -m "run-link: from a symlink to a directory"
redir=$(git -C "$APP" rev-parse main)
git -C "$APP" rm -q Dockerfile.worker
git -C "$APP" commit -q -m "no dockerfile"
nodock=$(git -C "$APP" rev-parse main)
ln -s /etc/passwd "$APP/Dockerfile.worker"
git -C "$APP" add Dockerfile.worker
git -C "$APP" commit -q -m "dockerfile as a symlink"
linkdock=$(git -C "$APP" rev-parse main)
git clone -q --bare "$APP" "$MIRROR"
# Filters must not apply: the files are the blobs as committed.
git -C "$MIRROR" config core.autocrlf true

# A read-only mirror gives the tree of the commit, and stays as it was.
snapshot "$MIRROR" >"$T/before"
chmod -R a-w "$MIRROR"
is "checkout of the app commit exits 0" \
    "$(status "$CO" "$MIRROR" "$good" "$T/out")" 0
mkdir "$T/archive"
# tar.umask: git archive records 0664 and 0775 by default.
git -C "$MIRROR" -c core.autocrlf=false -c tar.umask=022 archive "$good" |
    tar -x -C "$T/archive"
ok "the tree equals git archive" \
    diff -r --no-dereference "$T/archive" "$T/out"
modes "$T/archive" >"$T/archive.modes"
modes "$T/out" >"$T/out.modes"
ok "modes and types equal git archive" cmp "$T/archive.modes" "$T/out.modes"
is "the script is executable" "$(stat -c %a "$T/out/scripts/run.sh")" 755
is "the symlink is a symlink" "$(readlink "$T/out/run-link")" scripts/run.sh
is "the checkout directory is private" "$(stat -c %a "$T/out")" 700
chmod -R u+w "$MIRROR"
snapshot "$MIRROR" >"$T/after"
ok "the mirror is unchanged, no file added" cmp "$T/before" "$T/after"

# A builder under umask 077 (cron) still writes git's modes.
(umask 077 && "$CO" "$MIRROR" "$good" "$T/out077" >/dev/null 2>&1)
modes "$T/out077" >"$T/out077.modes"
ok "modes under umask 077 equal git archive" \
    cmp "$T/archive.modes" "$T/out077.modes"

# The commit where a symlink became a directory: as git archive has it,
# the directory written, and the symlink out of the tree kept a symlink
# that nothing follows.
is "checkout of the symlink-to-directory commit exits 0" \
    "$(status "$CO" "$MIRROR" "$redir" "$T/outr")" 0
mkdir "$T/archiver"
git -C "$MIRROR" -c core.autocrlf=false -c tar.umask=022 archive "$redir" |
    tar -x -C "$T/archiver"
ok "that tree equals git archive too" \
    diff -r --no-dereference "$T/archiver" "$T/outr"
is "run-link is a directory now" "$(stat -c %F "$T/outr/run-link")" directory
is "the link out of the tree is a link, as committed" \
    "$(readlink "$T/outr/outside")" "../../etc"
ok "nothing was written through it" test ! -e /etc/file.txt

# Refusals are permanent (exit 2) and leave no directory behind.
is "a commit without Dockerfile.worker exits 2" \
    "$(status "$CO" "$MIRROR" "$nodock" "$T/o1")" 2
ok "the reason names the file" grep -q "no Dockerfile.worker at commit" \
    "$T/co.out"
ok "no directory is left" test ! -e "$T/o1"
is "Dockerfile.worker as a symlink exits 2" \
    "$(status "$CO" "$MIRROR" "$linkdock" "$T/o2")" 2
ok "the reason says symlink" grep -q "is a symlink, refused" "$T/co.out"
ok "nothing was written for the symlink" test ! -e "$T/o2"
is "an unknown commit exits 2" \
    "$(status "$CO" "$MIRROR" 0123456789abcdef0123456789abcdef01234567 \
    "$T/o3")" 2
ok "the reason says not found" grep -q "not found in mirror" "$T/co.out"
ok "no directory for an unknown commit" test ! -e "$T/o3"

# A tree git refuses to write (a .git/config entry, made by hand with
# mktree) fails the same way every time: permanent, and nothing escapes.
blob=$(echo "[core] hooksPath = /tmp" | git -C "$MIRROR" hash-object -w --stdin)
dock=$(echo "FROM scratch" | git -C "$MIRROR" hash-object -w --stdin)
sub=$(printf '100644 blob %s\tconfig\n' "$blob" | git -C "$MIRROR" mktree)
tree=$(printf '040000 tree %s\t.git\n100644 blob %s\tDockerfile.worker\n' \
    "$sub" "$dock" | git -C "$MIRROR" mktree)
dotgit=$(git -C "$MIRROR" commit-tree "$tree" -m dotgit)
is "a tree with .git/config exits 2" \
    "$(status "$CO" "$MIRROR" "$dotgit" "$T/o5")" 2
ok "the reason names the path" grep -q "invalid path '.git/config'" "$T/co.out"
ok "nothing is left of it" test ! -e "$T/o5"

# An existing directory is not overwritten; that is not permanent.
mkdir "$T/o4"
is "an existing directory exits 1" \
    "$(status "$CO" "$MIRROR" "$good" "$T/o4")" 1

done_testing
