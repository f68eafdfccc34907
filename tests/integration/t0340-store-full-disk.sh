#!/bin/bash
# faultline replay on a full file system (a small tmpfs).  "stored" means
# committed and checkpointed into the database file: a new database is
# written into its own file (no WAL); into an existing one, the pages the
# commit adds are reserved in the file before it, so a file system that cannot
# hold them fails the replay (exit 1, a message naming the database),
# which leaves the database as it was: a new one is not there at all, an
# existing one holds its runs unchanged.  Needs root (mount).
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
nodegc=$FL_TOP/traces/x86_64/node-gc
mnt=$FL_TMP/mnt
mkdir -p "$mnt"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=1m faultline-test "$mnt" 2>/dev/null; then
	skip "replays on a full tmpfs" "needs root and tmpfs mounts (uid $(id -u))"
	done_testing
	exit
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$FL_TMP"' EXIT

resize() { mount -o remount,size="$1"k "$mnt"; }
empty() { rm -rf "${mnt:?}"/* "$mnt"/.[!.]* 2>/dev/null; }

# ---- a new database: every size fails cleanly or stores the whole run --------
bad=""
stored=0 failed=0
# Under valgrind (a replay there takes half a minute), the smallest, a
# middle and the largest size: both ends of the need, as always.
sizes="512 1024 2048 3072 4096 6144 8192 10240 12288 13312 16384"
[ "${FL_VALGRIND:-0}" != 1 ] || sizes="512 4096 16384"
for kib in $sizes; do
	empty
	resize "$kib"
	run_fl replay -s all "$mmchurn" -o "$mnt/new.db"
	if [ "$FL_RC" = 0 ]; then
		stored=$((stored + 1))
		case $FL_OUT in *"stored in $mnt/new.db"*) ;; *) bad="$bad $kib KiB: exit 0, no 'stored';" ;; esac
		[ "$(sqlite3 "$mnt/new.db" 'PRAGMA integrity_check' 2>&1)" = ok ] ||
			bad="$bad $kib KiB: stored but not intact;"
		[ ! -e "$mnt/new.db-wal" ] || [ ! -s "$mnt/new.db-wal" ] ||
			bad="$bad $kib KiB: stored with a WAL left to checkpoint;"
		n=$(sqlite3 "$mnt/new.db" 'select count(*) from runs r where r.faults = (select count(*) from outcomes o where o.run_id = r.run_id)')
		[ "$n" = 4 ] || bad="$bad $kib KiB: $n of 4 runs whole;"
	else
		failed=$((failed + 1))
		[ "$FL_RC" = 1 ] || bad="$bad $kib KiB: exit $FL_RC;"
		printf '%s\n' "$FL_ERR" | grep -Eq "^faultline: $mnt/new\.db: .*(full|room|space)" ||
			bad="$bad $kib KiB: message: $FL_ERR;"
		case $FL_OUT in *stored*) bad="$bad $kib KiB: failed but said 'stored';" ;; esac
		left=$(ls -A "$mnt")
		[ -z "$left" ] || bad="$bad $kib KiB: failed and left: $left;"
	fi
	! printf '%s\n' "$FL_ERR" | grep -Eq 'AddressSanitizer|runtime error|Segmentation' ||
		bad="$bad $kib KiB: crashed;"
done
is "a new database on a tmpfs of 512 KiB to 16 MiB: a clean failure or the whole replay" "$bad" ""
if [ "$stored" -gt 0 ] && [ "$failed" -gt 0 ]; then ok "both seen: $failed failed, $stored stored"; else
	not_ok "both seen" "$failed failed, $stored stored: the sizes no longer straddle the need"; fi

# A new database is written once, into its own file: no WAL beside it,
# and no checkpoint that copies it.  A tmpfs that holds it once (mmchurn
# -s all: a database of 3.5 MiB), though not twice, stores it.
empty
resize 4608
run_fl replay -s all "$mmchurn" -o "$mnt/new.db"
is "a new database with room for it once, not twice: stored" "$FL_RC" 0
is "... intact" "$(sqlite3 "$mnt/new.db" 'PRAGMA integrity_check' 2>&1)" ok
is "... in WAL mode, as every database is" "$(sqlite3 "$mnt/new.db" 'PRAGMA journal_mode' 2>&1)" wal

# ---- an existing database: left exactly as it was ------------------------------
empty
resize 65536
expect_ok "a database with one run" replay -s pervma "$mmchurn" -o "$mnt/one.db"
dump() { sqlite3 "$mnt/one.db" 'select * from runs; select count(*), sum(latency) from outcomes;
	select count(*) from faults; select * from cause_counts; select * from thread_times'; }
before=$(dump)
size=$(du -k "$mnt" | tail -1 | cut -f1)
bad=""
for extra in 256 1024 2048 4096 8192; do
	resize $((size + extra))
	run_fl replay -s all "$nodegc" -o "$mnt/one.db"
	if [ "$FL_RC" = 0 ]; then
		bad="$bad +$extra KiB: stored (the test wants it not to fit);"
		continue
	fi
	printf '%s\n' "$FL_ERR" | grep -Eq "^faultline: $mnt/one\.db: .*(full|room|space)" ||
		bad="$bad +$extra KiB: message: $FL_ERR;"
	[ "$(dump)" = "$before" ] || bad="$bad +$extra KiB: the database changed;"
	[ "$(sqlite3 "$mnt/one.db" 'PRAGMA integrity_check')" = ok ] || bad="$bad +$extra KiB: not intact;"
done
is "an existing database on a full tmpfs: each replay fails and leaves it as it was" "$bad" ""
resize 262144
expect_ok "with room again, it takes the replay" replay -s all "$nodegc" -o "$mnt/one.db"
is "... which adds its 4 runs" "$(sqlite3 "$mnt/one.db" 'select count(*) from runs')" 5

done_testing
