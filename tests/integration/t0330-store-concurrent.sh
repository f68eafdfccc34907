#!/bin/bash
# Replays racing into one new database (replay/store.c): a new database is
# made in a private file and linked into place at the commit only while
# the path is still free; the replay that finds it taken adds its rows to
# the database there.  Each pair must end with both runs in the database,
# or with one replay failed with a message and the database holding the
# other's run; never "stored" with the run missing, never a database lost.
#
# FL_STORE_PAIRS=N runs N pairs (30 by default).
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
# Under valgrind (make valgrind) each replay is tens of times slower: 4 pairs
# there check the same code for memory errors; make check runs 30.
if [ "${FL_VALGRIND:-0}" = 1 ]; then pairs=${FL_STORE_PAIRS:-4}; else pairs=${FL_STORE_PAIRS:-30}; fi
d=$FL_TMP/race
mkdir -p "$d"
db=$d/r.db

# stored_ok N OUT ERR RC STRATEGY: one replay's side of pair N is sound;
# prints what is wrong, if anything.
check_side() {
	local out=$1 err=$2 rc=$3 strategy=$4 runs=$5
	if [ "$rc" = 0 ]; then
		grep -q "^stored in $db" "$out" || { echo "exit 0 without 'stored'"; return; }
		case ",$runs," in *",$strategy,"*) ;; *) echo "$strategy: 'stored' but not in the database ($runs)" ;; esac
	else
		grep -q '^faultline: ' "$err" || echo "$strategy: exit $rc without a message: $(cat "$err")"
		! grep -q '^stored' "$out" || echo "$strategy: 'stored' and exit $rc"
	fi
	! grep -Eq 'AddressSanitizer|runtime error|Segmentation' "$err" || echo "$strategy: crashed: $(cat "$err")"
}

bad=""
both=0
for i in $(seq "$pairs"); do
	rm -f "$db" "$db-wal" "$db-shm"
	"$FAULTLINE" replay -s classic "$mmchurn" -o "$db" >"$d/o1" 2>"$d/e1" &
	p1=$!
	"$FAULTLINE" replay -s pervma "$mmchurn" -o "$db" >"$d/o2" 2>"$d/e2" &
	p2=$!
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	if [ ! -e "$db" ]; then
		bad="$bad pair $i: no database (exit $r1, $r2);"
		continue
	fi
	runs=$(sqlite3 "$db" 'select group_concat(strategy) from (select strategy from runs order by run_id)' 2>&1)
	intact=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	[ "$intact" = ok ] || bad="$bad pair $i: integrity_check $intact;"
	w=$(check_side "$d/o1" "$d/e1" "$r1" classic "$runs"; check_side "$d/o2" "$d/e2" "$r2" pervma "$runs")
	[ -z "$w" ] || bad="$bad pair $i: $w;"
	[ "$r1" = 0 ] && [ "$r2" = 0 ] && both=$((both + 1))
	# Each run whole: one outcome per fault of the trace.
	n=$(sqlite3 "$db" 'select count(*) from runs r where (select count(*) from outcomes o where o.run_id = r.run_id) <> r.faults or r.faults = 0')
	[ "$n" = 0 ] || bad="$bad pair $i: $n runs not whole;"
	left=$(ls -A "$d" | grep -v -E '^(r\.db|o1|o2|e1|e2)$')
	[ -z "$left" ] || bad="$bad pair $i: left $left;"
done
is "$pairs pairs of replays racing into a new database: nothing lost" "$bad" ""
echo "# both replays stored in $both of $pairs pairs"
is "... and the trace is stored once" "$(sqlite3 "$db" 'select count(*) from traces')" 1
is "... and each run has its tallies" "$(sqlite3 "$db" 'select count(distinct run_id) from tally_handlers')" \
	"$(sqlite3 "$db" 'select count(*) from runs')"

# The printed run ids are the database's.
for f in o1 o2; do
	id=$(sed -n 's/^run \([0-9]*\): .*fell back.*/\1/p' "$d/$f" | head -1)
	s=$(sed -n 's/^run [0-9]*: *\([a-z-]*\).*fell back.*/\1/p' "$d/$f" | head -1)
	is "the summary's run $id is the $s run in the database" \
		"$(sqlite3 "$db" "select strategy from runs where run_id = $id")" "$s"
done

# A replay into a database another one is writing waits for it.
rm -f "$db" "$db-wal" "$db-shm"
expect_ok "a database with one run" replay -s classic "$mmchurn" -o "$db"
# The holder says when it has the lock, and keeps it until the replay says
# it waits (or 5 minutes: the replay has failed), however slow the replay is
# to get there (under valgrind, tens of seconds).
rm -f "$d/locked" "$FL_TMP/err"
( sqlite3 "$db" "BEGIN IMMEDIATE; INSERT INTO meta VALUES ('held', 'x');" \
	".shell touch $d/locked" \
	".shell for i in \$(seq 15000); do grep -qs 'writing it; waiting' $FL_TMP/err && break; sleep 0.02; done" \
	'COMMIT;' >/dev/null ) &
holder=$!
for _ in $(seq 3000); do [ -e "$d/locked" ] && break; sleep 0.01; done
run_fl replay -s pervma "$mmchurn" -o "$db"
wait "$holder"
is "a replay that met a held write lock waited and stored" "$FL_RC" 0
contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}
contains "... saying it waits" "$FL_ERR" "^faultline: .*r\.db: another process is writing it; waiting"
is "... and the holder's row is there too" "$(sqlite3 "$db" "select value from meta where key = 'held'")" x
is "... and the database holds both runs" "$(sqlite3 "$db" 'select group_concat(strategy) from runs')" \
	"classic,pervma"

done_testing
