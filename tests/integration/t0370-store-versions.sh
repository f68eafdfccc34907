#!/bin/bash
# The store's schema versions (schemas/outcomes.sql).  Version 5 stores the
# outcomes compactly (outcome_rows with the per-run dictionaries
# outcome_causes and outcome_vmas) behind the view outcomes, which has
# version 4's columns; version 6 adds the handler the replay dispatched
# each fault to (outcome_rows.handler, named through fault_handlers, the
# view's last column); version 7 keeps each cause's table entry with it
# (outcome_causes.code, description, unplaced), the view as it was.  A
# reader reads a version-4, 5 or 6 database as it reads a version-7 one,
# but for the view by handler, which it refuses on 4 and 5 (they do not
# store the handler), and the causes' descriptions, which older ones do
# not store; it refuses a newer one.  A replay adds runs only to a
# database of its own version, and refuses an older one naming it,
# leaving it as it was.
#
# The version-6 database is made from a version-7 one by
# tests/data/store-v7-to-v6.sql, the version-5 one from that by
# tests/data/store-v6-to-v5.sql, the version-4 one from that by
# tests/data/store-v5-to-v4.sql (version 4's outcomes table and indexes,
# the same rows), so the four hold the same runs.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
v7=$FL_TMP/v7.db
v6=$FL_TMP/v6.db
v5=$FL_TMP/v5.db
v4=$FL_TMP/v4.db
q() { sqlite3 "$1" "$2" 2>&1; }
# A report's JSON without the causes' descriptions, which only version 7
# stores: each is the last key of its cause.
nodesc() { awk '/^ *"description": /{sub(/,$/, "", prev); next} NR>1{print prev} {prev=$0} END{print prev}'; }

expect_ok "a replay of every strategy" replay -s all "$mmchurn" -o "$v7"
is "... writes schema version 7" "$(q "$v7" 'PRAGMA user_version')" 7
is "... into the compact table, read through the view" \
	"$(q "$v7" "SELECT type FROM sqlite_master WHERE name IN ('outcome_rows', 'outcomes') ORDER BY name")" \
	"$(printf 'table\nview')"
is "... every fault of every run" \
	"$(q "$v7" 'SELECT count(*) FROM outcomes')" \
	"$(q "$v7" 'SELECT sum(faults) FROM runs')"
is "... with version 4's columns, in its order, then the handler" \
	"$(q "$v7" "SELECT group_concat(name, ' ') FROM pragma_table_info('outcomes')")" \
	"run_id fault_id path fell_back counter reason attempts latency lock_wait writer_id vma_start vma_end vma_kind handler"
is "... each row's codes found in its run's dictionaries" \
	"$(q "$v7" 'SELECT count(*) FROM outcome_rows o WHERE NOT EXISTS (SELECT 1 FROM outcome_causes c
		    WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id) OR (o.vma_id IS NOT NULL AND
		    NOT EXISTS (SELECT 1 FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id))
		    OR (o.handler IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fault_handlers h
		    WHERE h.handler_id = o.handler))')" 0
is "... each fault's handler the same in every run: the engine dispatches a fault once" \
	"$(q "$v7" 'SELECT count(*) FROM (SELECT fault_id FROM outcome_rows GROUP BY fault_id
		    HAVING count(DISTINCT coalesce(handler, -1)) > 1)')" 0
is "... tally_handlers counts the stored handlers" \
	"$(q "$v7" "SELECT run_id, coalesce(handler, 'none'), count(*), sum(fell_back), max(latency)
		    FROM outcomes GROUP BY 1, 2 ORDER BY 1, 2")" \
	"$(q "$v7" 'SELECT run_id, handler, faults, fell_back, latency_max FROM tally_handlers
		    ORDER BY 1, 2')"
# A read fault in a special mapping (vdso, vvar: vm_ops->fault, not
# anonymous) reaches do_read_fault, as eng_handler_of() dispatches it; the
# view's older rules counted it as anon_read.
is "... a read in a special mapping is file_read" \
	"$(q "$v7" "SELECT DISTINCT o.handler FROM outcomes o JOIN faults f ON f.trace_id = 1
		    AND f.fault_id = o.fault_id WHERE o.vma_kind = 'special' AND f.access = 'read'")" \
	file_read
is "... cause_counts agree with the outcomes" \
	"$(q "$v7" 'SELECT run_id, counter, reason, count(*), sum(fell_back) FROM outcomes
		    GROUP BY run_id, counter, reason ORDER BY 1, 2, 3')" \
	"$(q "$v7" 'SELECT run_id, counter, reason, n, fell_back FROM cause_counts ORDER BY 1, 2, 3')"

# Each cause keeps its table entry: its code, its description (what
# `faultline help causes` prints under it), and whether the model could
# not place its faults (the reasons the readers of version 6 matched).
is "... every cause with its table entry's code and description" \
	"$(q "$v7" "SELECT count(*) FROM outcome_causes WHERE code < 1 OR description = ''")" 0
is "... the same code for the same cause in every run of a strategy" \
	"$(q "$v7" 'SELECT count(*) FROM (SELECT r.strategy, c.counter, c.reason FROM outcome_causes c
		    JOIN runs r USING (run_id) GROUP BY 1, 2, 3 HAVING count(DISTINCT c.code) > 1)')" 0
help_causes=$("$FAULTLINE" help causes | tr -s ' \n' '  ')
missing=$(q "$v7" 'SELECT DISTINCT description FROM outcome_causes' | while IFS= read -r d; do
	case "$help_causes" in *"$d"*) ;; *) echo "$d" ;; esac
done)
is "... each description the one faultline help causes prints" "$missing" ""
is "... unplaced on the causes the readers of version 6 took for unplaced" \
	"$(q "$v7" "SELECT reason, unplaced FROM outcome_causes
		    WHERE unplaced OR reason LIKE 'unplaced%' OR reason = 'no VMA' GROUP BY 1, 2")" \
	"unplaced: inferred extent|1"

# ---- rows written through the view land in the compact tables ----------------------
e=$FL_TMP/edit.db
cp "$v7" "$e"
before=$(q "$e" 'SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3')
q "$e" "CREATE TABLE kept AS SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3;
	UPDATE outcomes SET latency = 12345, vma_start = 4096, vma_end = 8192, vma_kind = 'anon',
	reason = 'by hand', handler = 'swap' WHERE run_id = 1 AND fault_id = 3" >/dev/null
is "an UPDATE through the view changes the row" \
	"$(q "$e" 'SELECT latency, vma_start, vma_end, vma_kind, reason, handler FROM outcomes
		WHERE run_id = 1 AND fault_id = 3')" "12345|4096|8192|anon|by hand|swap"
q "$e" 'DELETE FROM outcomes WHERE run_id = 1 AND fault_id = 3' >/dev/null
is "a DELETE through the view removes it" \
	"$(q "$e" 'SELECT count(*) FROM outcome_rows WHERE run_id = 1 AND fault_id = 3')" 0
q "$e" 'INSERT INTO outcomes SELECT * FROM kept' >/dev/null
is "an INSERT through the view puts it back as it was" \
	"$(q "$e" 'SELECT * FROM outcomes WHERE run_id = 1 AND fault_id = 3')" "$before"
is "... and the database is intact" "$(q "$e" 'PRAGMA integrity_check')" ok
is "a cause new through the view: no table entry" \
	"$(q "$e" "SELECT code, description, unplaced FROM outcome_causes WHERE reason = 'by hand'")" \
	"0||0"

# ---- version-6, version-5 and version-4 databases ----------------------------------
cp "$v7" "$v6"
q "$v6" ".read $FL_TOP/tests/data/store-v7-to-v6.sql" >/dev/null
is "the fixture makes a version-6 database" \
	"$(q "$v6" "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('outcome_causes')
		    WHERE name IN ('code', 'description', 'unplaced'); PRAGMA integrity_check")" \
	"$(printf '6\n0\nok')"
is "... the same outcomes, through the same view" \
	"$(q "$v6" "SELECT * FROM outcomes ORDER BY run_id, fault_id" | md5sum)" \
	"$(q "$v7" "SELECT * FROM outcomes ORDER BY run_id, fault_id" | md5sum)"
cp "$v6" "$v5"
q "$v5" ".read $FL_TOP/tests/data/store-v6-to-v5.sql" >/dev/null
is "the fixture makes a version-5 database" \
	"$(q "$v5" "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('outcomes')
		    WHERE name = 'handler'; PRAGMA integrity_check")" "$(printf '5\n0\nok')"
cp "$v5" "$v4"
q "$v4" ".read $FL_TOP/tests/data/store-v5-to-v4.sql" >/dev/null
is "the fixture makes a version-4 database" \
	"$(q "$v4" "PRAGMA user_version; SELECT type FROM sqlite_master WHERE name = 'outcomes'; PRAGMA integrity_check")" \
	"$(printf '4\ntable\nok')"
v4cols="run_id, fault_id, path, fell_back, counter, reason, attempts, latency, lock_wait, writer_id,
	vma_start, vma_end, vma_kind"
for v in 5 4; do
	is "... version $v: the same outcomes, but the handler" \
		"$(q "$FL_TMP/v$v.db" "SELECT * FROM outcomes ORDER BY run_id, fault_id" | md5sum)" \
		"$(q "$v6" "SELECT $v4cols FROM outcomes ORDER BY run_id, fault_id" | md5sum)"
done
for args in "" "--by vma" "--by writer" "--by thread" "--fidelity" "--run 2 --by cause" "--format json"; do
	# shellcheck disable=SC2086
	run_fl report $args "$v7"
	want=$(nodesc <<<"$FL_OUT")
	for v in 6 5 4; do
		# shellcheck disable=SC2086
		expect_ok "report ${args:-(default)} reads the version-$v database" report $args "$FL_TMP/v$v.db"
		is "... and says what it says of the version-7 one, but the descriptions" \
			"${FL_OUT//v$v.db/v7.db}" "$want"
	done
done
# The descriptions in JSON: each cause's, from version 7 on.
run_fl report --run 1 --format json "$v7"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r7.json"
is "report --format json: each cause with its description" \
	"$(json_get "$FL_TMP/r7.json" '$.runs[0].causes[0].description')" \
	"handle_mm_fault() under mmap_read_lock(), no VM_FAULT_RETRY"
run_fl report --run 1 --format json "$v6"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r6.json"
is "... and none from a version-6 database, which does not store it" \
	"$(json_get "$FL_TMP/r6.json" '$.runs[0].causes[0].description'; json_valid "$FL_TMP/r6.json" && echo valid)" \
	"$(printf '\nvalid')"
# The faults the model could not place: version 7 finds them by their
# causes' flag, version 6 by their reasons' text, with the same answer
# (the default report above).  A cause unmarked by hand shows which the
# report reads.
unplaced="faults outside every VMA the model knew"
run_fl report --run 1 "$v7"
contains "report lists the unplaced faults of version 7" "$FL_OUT" "$unplaced"
run_fl report --run 1 "$v6"
contains "... and of version 6, by the reason's text" "$FL_OUT" "$unplaced"
cp "$v7" "$FL_TMP/unmarked.db"
q "$FL_TMP/unmarked.db" "UPDATE outcome_causes SET unplaced = 0 WHERE reason LIKE 'unplaced%'" >/dev/null
run_fl report --run 1 "$FL_TMP/unmarked.db"
case $FL_OUT in
*"$unplaced"*) not_ok "... version 7 by the flag, not the text" "$FL_OUT" ;;
*) ok "... version 7 by the flag, not the text" ;;
esac
# The view by handler reads the handler each outcome was stored with:
# older databases have none, and it is not worked out again for them.
run_fl report --by handler "$v7"
want=$FL_OUT
expect_ok "report --by handler reads the version-6 database" report --by handler "$v6"
is "... as the version-7 one" "${FL_OUT//v6.db/v7.db}" "$want"
for v in 5 4; do
	expect_fail "report --by handler refuses the version-$v database, naming it" 1 \
		"v$v\.db: written by an older faultline, whose outcomes do not say which handler" \
		report --by handler "$FL_TMP/v$v.db"
	contains "... saying how to get one that does" "$FL_ERR" "hint: replay the trace again"
done
# Without the tallies a replay adds, the views are read from the outcomes.
for db in "$v4" "$v5" "$v6" "$v7"; do
	cp "$db" "$db.bare"
	q "$db.bare" 'DELETE FROM tally_vmas; DELETE FROM tally_threads; DELETE FROM tally_fidelity;
		DELETE FROM tally_percentiles; DELETE FROM tally_handlers; DELETE FROM tally_times;
		DELETE FROM tally_latency' >/dev/null
done
for args in "" "--by vma" "--fidelity"; do
	# shellcheck disable=SC2086
	run_fl report $args "$v7.bare"
	want=$FL_OUT
	for v in 6 5 4; do
		# shellcheck disable=SC2086
		run_fl report $args "$FL_TMP/v$v.db.bare"
		is "report ${args:-(default)} from the outcomes alone: version $v and 7 agree" \
			"${FL_OUT//v$v.db/v7.db}" "$want"
	done
done
run_fl report --by handler "$v7"
want=$FL_OUT
run_fl report --by handler "$v7.bare"
is "report --by handler from the outcomes' column alone: as from the tally" \
	"${FL_OUT//v7.db.bare/v7.db}" "$want"
run_fl diff --by cause "$v7" 1 2
want=$FL_OUT
for v in 6 5 4; do
	expect_ok "diff reads the version-$v database" diff --by cause "$FL_TMP/v$v.db" 1 2
	is "... as the version-7 one" "${FL_OUT//v$v.db/v7.db}" "$want"
done
expect_ok "export reads the version-6 database's outcomes" export --table outcomes --run 2 "$v6"
is "... as the version-7 one's" "$FL_OUT" "$("$FAULTLINE" export --table outcomes --run 2 "$v7")"
expect_ok "export reads the version-4 database's outcomes" export --table outcomes --run 2 "$v4"
is "... as the version-5 one's" "$FL_OUT" "$("$FAULTLINE" export --table outcomes --run 2 "$v5")"

# The TUI reads a run's outcomes from outcome_rows and its dictionaries,
# and from the table outcomes of a version-4 database: the same screens
# (a cause's description shows only in a fault's detail).
. "$FL_TOP/tui/tmux-lib.sh"
if tui_have_tmux; then
	for run in 2 4; do
		for v in 7 6 5 4; do
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
		for v in 6 5 4; do
			is "... run $run: its causes and a cause's first view, version $v as version 7" \
				"${shot[v]//v$v.db/v7.db}" "${shot[7]}"
		done
	done
	tui_stop
else
	skip "the TUI on every version" "tmux is not installed"
fi

for v in 6 5 4; do
	old=$FL_TMP/v$v.db
	dump=$(q "$old" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)
	expect_fail "a replay into the version-$v database: refused, naming it" 1 \
		"v$v\.db: schema version $v is older than this faultline's \(7\) and cannot be upgraded" \
		replay -s pervma "$mmchurn" -o "$old"
	contains "... saying how to get a new one" "$FL_ERR" "hint: .*new file name.*replay the trace again"
	is "... and nothing is added to it" \
		"$(q "$old" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)" "$dump"
	expect_fail "--replace into it: refused too" 1 "v$v\.db: schema version $v is older" \
		replay -s pervma --replace "$mmchurn" -o "$old"
	is "... and nothing is deleted" \
		"$(q "$old" 'SELECT * FROM runs; SELECT * FROM outcomes ORDER BY run_id, fault_id' | md5sum)" "$dump"
done

# ---- a newer database ---------------------------------------------------------------
cp "$v7" "$FL_TMP/v8.db"
q "$FL_TMP/v8.db" 'PRAGMA user_version = 8' >/dev/null
expect_fail "report refuses a newer schema, naming the file and both versions" 1 \
	"v8\.db: .*schema version 8, newer than this faultline reads \(version 7\)" report "$FL_TMP/v8.db"
expect_fail "replay refuses to write into it" 1 \
	"v8\.db: schema version 8 is newer than this faultline's \(7\)" replay "$mmchurn" -o "$FL_TMP/v8.db"

done_testing
