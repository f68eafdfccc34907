#!/bin/bash
# Readers (report, diff, export, the TUI's data layer) open a database
# read-only (analyze/store_read.c: mode=ro), and where the -shm a WAL
# reader writes cannot be made (a read-only directory, another user's
# database), immutable: the file as it is.  Run as nobody (setpriv) on
# root's database in a directory nobody cannot write.  A -wal with
# changes that cannot be read that way is refused with a clear message.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "readers on another user's database in a read-only directory" "needs root and setpriv to run as nobody"
	done_testing
	exit
fi
chmod 0755 "$FL_TMP"
d=$FL_TMP/ro
mkdir "$d"
db=$d/r.db
expect_ok "root's database of two runs" replay -s all "$mmchurn" -o "$db"
chmod 0644 "$db"
chmod 0555 "$d"

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FAULTLINE" "$@" >"$FL_TMP/out" 2>"$FL_TMP/err"
	FL_RC=$?
	FL_OUT=$(cat "$FL_TMP/out")
	FL_ERR=$(cat "$FL_TMP/err")
}
same() {
	local what=$1
	shift
	as_nobody "$@"
	local mine=$FL_OUT rc=$FL_RC err=$FL_ERR
	run_fl "$@"
	if [ "$rc" = 0 ] && [ "$mine" = "$FL_OUT" ]; then ok "$what as nobody: as root's"; else
		not_ok "$what as nobody: as root's" "exit $rc" "$err"; fi
}
as_nobody report "$db"
is "report as nobody: exit 0" "$FL_RC" 0
is "... and no -shm or -wal was made" "$(ls -A "$d")" r.db
# Root's runs below leave root's -shm beside the file: nobody then meets
# a -shm it cannot write.
same report report "$db"
same "report --by thread" report --by thread "$db"
same "report --fidelity" report --fidelity "$db"
same "report --format json" report --format json "$db"
same diff diff "$db" 1 2
same "export --table outcomes" export --table outcomes "$db"

# Root's own reading in a read-only directory (a read-only mount, say):
# root can write the directory, so bind-mount it read-only when possible.
if mount --bind -o ro "$d" "$d" 2>/dev/null || { mount --bind "$d" "$d" && mount -o remount,bind,ro "$d"; } 2>/dev/null; then
	trap 'umount "$d" 2>/dev/null; rm -rf "$FL_TMP"' EXIT
	expect_ok "report as root on a read-only mount" report "$db"
	expect_ok "export as root on a read-only mount" export --table runs "$db"
	umount "$d"
else
	skip "report as root on a read-only mount" "bind mounts are not allowed here"
	skip "export as root on a read-only mount" "bind mounts are not allowed here"
fi

# A -wal with changes nobody can read without writing the -shm.
chmod 0755 "$d"
sqlite3 "$db" "PRAGMA wal_autocheckpoint = 0; INSERT INTO meta VALUES ('pending', 'x');" \
	'.shell kill -9 $PPID' >/dev/null 2>&1 &
wait $! 2>/dev/null
rm -f "$db-shm"
chmod 0644 "$db-wal" 2>/dev/null
chmod 0555 "$d"
if [ -s "$db-wal" ]; then
	as_nobody report "$db"
	is "a pending -wal nobody cannot read: exit 1" "$FL_RC" 1
	case $FL_ERR in
	*"r.db: cannot read it: its -wal holds changes"*) ok "... saying why" ;;
	*) not_ok "... saying why" "$FL_ERR" ;;
	esac
else
	skip "a pending -wal nobody cannot read: exit 1" "sqlite3 left no -wal"
	skip "... saying why" "sqlite3 left no -wal"
fi
chmod 0755 "$d"
expect_ok "root reads it (and SQLite recovers the -wal)" report "$db"

done_testing
