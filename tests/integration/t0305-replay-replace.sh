#!/bin/bash
# faultline replay --replace: the runs the database holds of the same trace,
# strategy, profile, knobs and seed are deleted, with every row of theirs,
# and the new run is stored in their place, in one transaction.  A replay
# killed before its commit leaves the earlier runs as they were.
#
# The kill lands without timing: FL_TEST_STOP_BEFORE_COMMIT (a test hook in
# replay/store_run.c) makes the replay stop itself (SIGSTOP) with its
# transaction whole, the earlier runs deleted in it, but not committed.
. "$FL_TOP/tests/lib.sh"

trace=$FL_TOP/traces/x86_64/mmchurn
db=$FL_TMP/r.db
q() { sqlite3 "$db" "$1" 2>&1; }
# Every row of the runs, the run ids left out: what a run stores.
rows() {
	q "SELECT fault_id, path, fell_back, counter, reason, attempts, latency, lock_wait,
	          writer_id, vma_start, vma_end, vma_kind FROM outcomes ORDER BY fault_id;
	   SELECT counter, reason, n, fell_back FROM cause_counts ORDER BY counter, reason;
	   SELECT metric, p, value FROM tally_percentiles ORDER BY metric, p;
	   SELECT count(*) FROM tally_vmas; SELECT count(*) FROM tally_times;
	   SELECT count(*) FROM thread_times;" | md5sum
}
# Rows of a run id that no run has, in every table with a run_id column.
orphans() {
	local t n=0 c
	for t in $(q "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
		      WHERE m.type = 'table' AND p.name = 'run_id' AND m.name != 'runs'"); do
		c=$(q "SELECT count(*) FROM \"$t\" WHERE run_id NOT IN (SELECT run_id FROM runs)")
		n=$((n + c))
	done
	c=$(q "SELECT count(*) FROM faults WHERE trace_id NOT IN (SELECT trace_id FROM traces)")
	echo $((n + c))
}

expect_ok "a first replay" replay -s pervma "$trace" -o "$db"
first=$(rows)
expect_fail "the same again is refused" 2 "already holds run 1" replay -s pervma "$trace" -o "$db"
contains "... and the hint names --replace" "$FL_ERR" "replace it with --replace"

expect_ok "--replace: the same replay again" replay -s pervma --replace "$trace" -o "$db"
contains "... says it replaced one run" "$FL_OUT" "^replaced:  1 earlier run of the same"
is "... one run" "$(q 'SELECT count(*) FROM runs')" 1
is "... the new one" "$(q 'SELECT run_id FROM runs')" 2
is "... one trace" "$(q 'SELECT count(*) FROM traces')" 1
is "... the same outcomes, causes and tallies" "$(rows)" "$first"
is "... no row of the deleted run is left" "$(orphans)" 0
is "... integrity" "$(q 'PRAGMA integrity_check')" ok
expect_ok "... report reads it" report "$db"

# Another run (another strategy) stays; several identical runs all go.
expect_ok "a classic run beside it" replay -s classic "$trace" -o "$db"
expect_ok "--again: a second pervma run" replay -s pervma --again "$trace" -o "$db"
expect_ok "--replace over two identical runs" replay -s pervma --replace "$trace" -o "$db"
contains "... says it replaced both" "$FL_OUT" "^replaced:  2 earlier runs"
is "... the classic run and the new pervma run" \
	"$(q "SELECT group_concat(run_id || ':' || strategy, ' ') FROM (SELECT * FROM runs ORDER BY run_id)")" \
	"3:classic 5:pervma"
is "... no row of the deleted runs is left" "$(orphans)" 0
expect_ok "--replace with nothing to replace" replay -s spf --replace "$trace" -o "$db"
contains "... says so" "$FL_OUT" "^replaced:  0 earlier runs"
expect_ok "--replace into a new database" replay -s pervma --replace "$trace" -o "$FL_TMP/new.db"
is "... one run" "$(sqlite3 "$FL_TMP/new.db" 'SELECT count(*) FROM runs')" 1

expect_fail "--replace with --again: a usage error" 2 "one or the other" \
	replay -s pervma --again --replace "$trace" -o "$db"

# Killed before its commit: the earlier run and everything of it stay.
before=$(q "SELECT run_id FROM runs WHERE strategy = 'pervma'")
before_rows=$(rows)
FL_TEST_STOP_BEFORE_COMMIT=1 "$FAULTLINE" replay -s pervma --replace "$trace" -o "$db" \
	>/dev/null 2>&1 &
pid=$!
stopped=false
for i in $(seq 600); do
	case $(ps -o stat= -p "$pid" 2>/dev/null) in T*) stopped=true; break ;; esac
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if $stopped; then ok "a --replace replay stopped before its commit"
else not_ok "a --replace replay stopped before its commit" "it did not stop"; fi
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
is "... killed: the earlier run is still there" "$(q "SELECT run_id FROM runs WHERE strategy = 'pervma'")" "$before"
is "... with its rows" "$(rows)" "$before_rows"
is "... three runs" "$(q 'SELECT count(*) FROM runs')" 3
is "... integrity" "$(q 'PRAGMA integrity_check')" ok
expect_ok "... and the database takes the replay afterwards" replay -s pervma --replace "$trace" -o "$db"
is "... which replaced it" "$(q "SELECT count(*) FROM runs WHERE strategy = 'pervma'")" 1

done_testing
