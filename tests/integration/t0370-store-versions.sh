#!/bin/bash
# The store's schema versions (schemas/outcomes.sql).  Version 5 stores the
# outcomes compactly (outcome_rows with the per-run dictionaries
# outcome_causes and outcome_vmas) behind the view outcomes, which has
# version 4's columns.  A reader reads a version-4 database as it reads a
# version-5 one, and refuses a newer one; a replay adds runs only to a
# database of its own version, and refuses a version-4 one naming it,
# leaving it as it was.
#
# The version-4 database is made from a version-5 one by
# tests/data/store-v5-to-v4.sql (version 4's outcomes table and indexes,
# the same rows), so the two hold the same runs.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
v5=$FL_TMP/v5.db
v4=$FL_TMP/v4.db
q() { sqlite3 "$1" "$2" 2>&1; }

expect_ok "a replay of every strategy" replay -s all "$mmchurn" -o "$v5"
is "... writes schema version 5" "$(q "$v5" 'PRAGMA user_version')" 5
is "... into the compact table, read through the view" \
	"$(q "$v5" "SELECT type FROM sqlite_master WHERE name IN ('outcome_rows', 'outcomes') ORDER BY name")" \
	"$(printf 'table\nview')"
is "... every fault of every run" \
	"$(q "$v5" 'SELECT count(*) FROM outcomes')" \
	"$(q "$v5" 'SELECT sum(faults) FROM runs')"
is "... with version 4's columns, in its order" \
	"$(q "$v5" "SELECT group_concat(name, ' ') FROM pragma_table_info('outcomes')")" \
	"run_id fault_id path fell_back counter reason attempts latency lock_wait writer_id vma_start vma_end vma_kind"
is "... each row's codes found in its run's dictionaries" \
	"$(q "$v5" 'SELECT count(*) FROM outcome_rows o WHERE NOT EXISTS (SELECT 1 FROM outcome_causes c
		    WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id) OR (o.vma_id IS NOT NULL AND
		    NOT EXISTS (SELECT 1 FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id))')" 0
is "... cause_counts agree with the outcomes" \
	"$(q "$v5" 'SELECT run_id, counter, reason, count(*), sum(fell_back) FROM outcomes
		    GROUP BY run_id, counter, reason ORDER BY 1, 2, 3')" \
	"$(q "$v5" 'SELECT run_id, counter, reason, n, fell_back FROM cause_counts ORDER BY 1, 2, 3')"

# ---- rows written through the view land in the compact tables ----------------------
e=$FL_TMP/edit.db
cp "$v5" "$e"
before=$(q "$e" 'SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3')
q "$e" "CREATE TABLE kept AS SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3;
	UPDATE outcomes SET latency = 12345, vma_start = 4096, vma_end = 8192, vma_kind = 'anon',
	reason = 'by hand' WHERE run_id = 1 AND fault_id = 3" >/dev/null
is "an UPDATE through the view changes the row" \
	"$(q "$e" 'SELECT latency, vma_start, vma_end, vma_kind, reason FROM outcomes
		WHERE run_id = 1 AND fault_id = 3')" "12345|4096|8192|anon|by hand"
q "$e" 'DELETE FROM outcomes WHERE run_id = 1 AND fault_id = 3' >/dev/null
is "a DELETE through the view removes it" \
	"$(q "$e" 'SELECT count(*) FROM outcome_rows WHERE run_id = 1 AND fault_id = 3')" 0
q "$e" 'INSERT INTO outcomes SELECT * FROM kept' >/dev/null
is "an INSERT through the view puts it back as it was" \
	"$(q "$e" 'SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3')" "$before"
is "... and the database is intact" "$(q "$e" 'PRAGMA integrity_check')" ok

# ---- a version-4 database -----------------------------------------------------------
cp "$v5" "$v4"
q "$v4" ".read $FL_TOP/tests/data/store-v5-to-v4.sql" >/dev/null
is "the fixture makes a version-4 database" \
	"$(q "$v4" "PRAGMA user_version; SELECT type FROM sqlite_master WHERE name = 'outcomes'; PRAGMA integrity_check")" \
	"$(printf '4\ntable\nok')"
is "... with the same outcomes" \
	"$(q "$v4" 'SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)" \
	"$(q "$v5" 'SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)"
for args in "" "--by vma" "--by writer" "--by thread" "--fidelity" "--run 2 --by cause" "--format json"; do
	# shellcheck disable=SC2086
	run_fl report $args "$v5"
	want=$FL_OUT
	# shellcheck disable=SC2086
	expect_ok "report ${args:-(default)} reads the version-4 database" report $args "$v4"
	is "... and says what it says of the version-5 one" "${FL_OUT//v4.db/v5.db}" "$want"
done
# Without the tallies a replay adds, the views are read from the outcomes.
for db in "$v4" "$v5"; do
	cp "$db" "$db.bare"
	q "$db.bare" 'DELETE FROM tally_vmas; DELETE FROM tally_threads; DELETE FROM tally_fidelity;
		DELETE FROM tally_percentiles; DELETE FROM tally_handlers; DELETE FROM tally_times;
		DELETE FROM tally_latency' >/dev/null
done
for args in "" "--by vma" "--by handler" "--fidelity"; do
	# shellcheck disable=SC2086
	run_fl report $args "$v5.bare"
	want=$FL_OUT
	# shellcheck disable=SC2086
	run_fl report $args "$v4.bare"
	is "report ${args:-(default)} from the outcomes alone: version 4 and 5 agree" "$FL_OUT" "$want"
done
run_fl diff --by cause "$v5" 1 2
want=$FL_OUT
expect_ok "diff reads the version-4 database" diff --by cause "$v4" 1 2
is "... as the version-5 one" "$FL_OUT" "$want"
expect_ok "export reads its outcomes" export --table outcomes --run 2 "$v4"
is "... as the version-5 one's" "$FL_OUT" "$("$FAULTLINE" export --table outcomes --run 2 "$v5")"

# The TUI reads a run's outcomes from outcome_rows and its dictionaries,
# and from the table outcomes of a version-4 database: the same screens.
. "$FL_TOP/tui/tmux-lib.sh"
if tui_have_tmux; then
	for run in 2 4; do
		for v in 5 4; do
			tui_start 100 30 -- tui --run "$run" "$FL_TMP/v$v.db"
			if tui_wait " > causes"; then
				sleep 0.2
				shot[v]=$(tui_screen)
				tui_keys Enter
				tui_wait_gone " > causes"
				sleep 0.2
				shot[v]="${shot[v]}$(tui_screen)"
			else
				shot[v]="no causes: $(tui_screen)"
			fi
			tui_quit "tui --run $run on the version-$v database"
		done
		is "... run $run: its causes and a cause's first view, as from version 5" \
			"${shot[4]//v4.db/v5.db}" "${shot[5]}"
	done
	tui_stop
else
	skip "the TUI on both versions" "tmux is not installed"
fi

dump4=$(q "$v4" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)
expect_fail "a replay into the version-4 database: refused, naming it" 1 \
	"v4\.db: schema version 4 is older than this faultline's \(5\) and cannot be upgraded" \
	replay -s pervma "$mmchurn" -o "$v4"
contains "... saying how to get a new one" "$FL_ERR" "hint: .*new file name.*replay the trace again"
is "... and nothing is added to it" \
	"$(q "$v4" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)" "$dump4"
expect_fail "--replace into it: refused too" 1 "v4\.db: schema version 4 is older" \
	replay -s pervma --replace "$mmchurn" -o "$v4"
is "... and nothing is deleted" \
	"$(q "$v4" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)" "$dump4"

# ---- a newer database ---------------------------------------------------------------
cp "$v5" "$FL_TMP/v6.db"
q "$FL_TMP/v6.db" 'PRAGMA user_version = 6' >/dev/null
expect_fail "report refuses a newer schema, naming the file and both versions" 1 \
	"v6\.db: .*schema version 6, newer than this faultline reads \(version 5\)" report "$FL_TMP/v6.db"
expect_fail "replay refuses to write into it" 1 \
	"v6\.db: schema version 6 is newer than this faultline's \(5\)" replay "$mmchurn" -o "$FL_TMP/v6.db"

done_testing
