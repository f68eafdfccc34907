#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline replay when the store fails under it.  The rows go to SQLite on
# a writer thread (replay/store.c); a database that cannot grow (a file-size
# limit, so the WAL or the checkpoint fails) makes a row, or the commit,
# fail.  The replay then exits 1 with one message that names the database,
# what could not be stored and SQLite's reason, the same message every
# time; a database it created is gone, with its -wal and -shm; a database
# that held runs holds them still, unchanged.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
nodegc=$FL_TOP/traces/x86_64/node-gc
q() { sqlite3 "$1" "$2" 2>&1; }

# limited KIB ARGS...: faultline ARGS with every file it writes limited to
# KIB KiB.  SIGXFSZ is ignored, so a write past the limit fails (EFBIG)
# instead of killing the process.
limited() {
	local kib=$1
	shift
	(
		trap '' XFSZ
		ulimit -f "$kib"
		exec "$FAULTLINE" "$@"
	) >"$FL_TMP/out" 2>"$FL_TMP/err"
	FL_RC=$?
	FL_OUT=$(cat "$FL_TMP/out")
	FL_ERR=$(cat "$FL_TMP/err")
}

# gone WHAT DB: neither DB nor its -wal and -shm exist.
gone() {
	local left
	left=$(ls -d "$2" "$2-wal" "$2-shm" 2>/dev/null)
	if [ -z "$left" ]; then ok "$1"; else not_ok "$1" "left: $left"; fi
}

# The message: the database, then the row, or the step (the schema of a
# new database, the run's and the trace's totals and tallies, the readers'
# indexes, the commit), then SQLite's reason.  Which step meets the limit
# first depends on when SQLite spills its cache to the WAL.
stored_re='^faultline: .*/[a-z0-9]+\.db: cannot (store (the outcome of fault [0-9]+ \(run [0-9]+\)|(cause|VMA) [0-9]+ of run [0-9]+|fault [0-9]+|writer [0-9]+)|create the schema|complete the (trace|run)|store the run.s (tallies|percentiles)|count the causes|index the outcomes|commit the replay): .+'

# ---- a new database: the limit hits while the rows are written -------------------

limited 1024 replay "$nodegc" -s all -o "$FL_TMP/new.db"
is "rows cannot be stored: exit 1" "$FL_RC" 1
if printf '%s\n' "$FL_ERR" | grep -Eq "$stored_re" &&
	[ "$(printf '%s\n' "$FL_ERR" | grep -c .)" = 1 ] &&
	! printf '%s\n' "$FL_ERR" | grep -Eq 'AddressSanitizer|runtime error|Segmentation'; then
	ok "one message: the database, the row, SQLite's reason"
else
	not_ok "one message: the database, the row, SQLite's reason" "$FL_ERR"
fi
case $FL_ERR in
*"cannot store"*) ok "the failure came while the rows were written" ;;
*) not_ok "the failure came while the rows were written" "$FL_ERR" ;;
esac
is "nothing on stdout" "$FL_OUT" ""
gone "the database it created is deleted, with its -wal and -shm" "$FL_TMP/new.db"
first=$FL_ERR
limited 1024 replay "$nodegc" -s all -o "$FL_TMP/new.db"
is "the same failure again: the same message" "$FL_ERR" "$first"
gone "... and again nothing left" "$FL_TMP/new.db"

# ---- every limit from small to large: fails cleanly, or succeeds whole ------------

bad=""
# A whole run has one outcome per fault of the trace.
run_fl info --format json "$nodegc"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
faults=$(json_get "$FL_TMP/info.json" '$.events.fault')
for kib in 64 512 2048 3072 3584 4096 6144; do
	limited "$kib" replay "$nodegc" -s pervma -o "$FL_TMP/l$kib.db"
	if [ "$FL_RC" = 0 ]; then
		n=$(q "$FL_TMP/l$kib.db" 'select count(*) from outcomes')
		[ "$n" = "$faults" ] || bad="$bad $kib KiB: exit 0 with $n outcomes;"
		[ "$(q "$FL_TMP/l$kib.db" 'PRAGMA integrity_check')" = ok ] || bad="$bad $kib KiB: not intact;"
	elif [ "$FL_RC" != 1 ] || ! printf '%s\n' "$FL_ERR" | grep -Eq "$stored_re"; then
		bad="$bad $kib KiB: exit $FL_RC: $FL_ERR;"
	elif ls "$FL_TMP/l$kib.db"* >/dev/null 2>&1; then
		bad="$bad $kib KiB: failed, left $(ls "$FL_TMP/l$kib.db"*);"
	fi
done
is "at each file-size limit: a clean failure or a whole database" "$bad" ""

# ---- a database that holds a run: left as it was ----------------------------------

db=$FL_TMP/one.db
expect_ok "a database with one run" replay "$mmchurn" -o "$db"
before=$(sqlite3 "$db" 'select * from runs; select count(*), sum(latency) from outcomes;
	select count(*) from faults; select * from cause_counts; select * from thread_times')
size=$(($(stat -c %s "$db") / 1024 + 256))
limited "$size" replay "$nodegc" -s all -o "$db"
is "a replay into it that cannot store its rows: exit 1" "$FL_RC" 1
if printf '%s\n' "$FL_ERR" | grep -Eq "$stored_re"; then ok "... with the message"; else
	not_ok "... with the message" "$FL_ERR"; fi
is "the database keeps its one run, unchanged" "$(sqlite3 "$db" 'select * from runs;
	select count(*), sum(latency) from outcomes; select count(*) from faults;
	select * from cause_counts; select * from thread_times')" "$before"
is "the database is intact" "$(q "$db" 'PRAGMA integrity_check')" ok
expect_ok "the database takes a new run afterwards" replay "$nodegc" -o "$db"
is "... which is then the second" "$(q "$db" 'select count(*) from runs')" 2

# ---- a row the database refuses: named, and nothing of the replay kept -------------
# The rows go in several to a statement; one that breaks a constraint (a
# trigger's RAISE here) fails its statement, and the message still names
# that row, not the statement's first.
before=$(sqlite3 "$db" 'select count(*) from runs; select count(*) from outcomes')
run=$(($(q "$db" 'select max(run_id) from runs') + 1))
q "$db" "CREATE TRIGGER refuse BEFORE INSERT ON outcome_rows WHEN NEW.fault_id = 1003
	BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END" >/dev/null
run_fl replay --again "$mmchurn" -o "$db"
is "a replay with a row the database refuses: exit 1" "$FL_RC" 1
is "... naming the row and SQLite's reason" "$FL_ERR" \
	"faultline: $db: cannot store the outcome of fault 1003 (run $run): refused by a test trigger"
is "... and nothing of it is kept" "$(sqlite3 "$db" 'select count(*) from runs;
	select count(*) from outcomes')" "$before"
is "the database is intact" "$(q "$db" 'PRAGMA integrity_check')" ok

done_testing
