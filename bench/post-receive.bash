#!/bin/bash
# post-receive.bash - the hand-written hook that pushbuild-hook replaces,
# as an operator would write it to queue builds durably: for each pushed
# main, resolve the commit, write a job into a temporary file, flush it,
# move it into the queue, flush the queue.  The benchmark's comparison
# point, not part of pushbuild.  SPOOL names the queue (tmp/ and new/).
#
# It is the careful version: "sync FILE" flushes just that file and the
# queue directory (a bare "sync" would flush every file system, and cost
# more on a busy machine).
set -euo pipefail
SPOOL=${SPOOL:-/var/spool/builds}
zero=0000000000000000000000000000000000000000

while read -r old new ref; do
	[[ $ref == refs/heads/main && $new != "$zero" ]] || continue
	sha=$(git rev-parse --verify -q "$new^{commit}") || {
		echo "build: $new is not a commit, skipped" >&2
		continue
	}
	tmp=$(mktemp "$SPOOL/tmp/job.XXXXXX")
	printf 'commit=%s\nref=%s\nold=%s\n' "$sha" "$ref" "$old" >"$tmp"
	sync "$tmp"
	job=$(date +%s.%N).$$
	mv "$tmp" "$SPOOL/new/$job"
	sync "$SPOOL/new"
	echo "build: queued ${sha:0:12} $ref (job $job)" >&2
done
