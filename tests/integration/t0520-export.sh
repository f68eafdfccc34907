#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline export: every table of a real store, its column names those of
# schemas/outcomes.sql, its rows those sqlite3 reads.
. "$FL_TOP/tests/lib.sh"

cd "$FL_TMP" || exit 1
"$FAULTLINE" replay "$FL_TOP/traces/x86_64/node-gc" -s all -o n.db >/dev/null 2>&1
[ -s n.db ] && ok "replay node-gc" || not_ok "replay node-gc"

for t in traces threads writers faults runs outcomes cause_counts thread_times meta; do
	cols=$(sqlite3 n.db "select group_concat(name, ',') from pragma_table_info('$t')")
	expect_ok "export --table $t" export --table "$t" n.db
	is "$t csv: header = the schema's columns" "$(printf '%s\n' "$FL_OUT" | head -n1)" "$cols"
	# Rows as sqlite3 writes CSV, less the quotes it adds around fields
	# that need none (a space, an empty string), on both sides; NULL is
	# empty in both.
	sqlite3 -csv n.db "select * from $t" | tr -d '\r' | sed -E 's/"([^",]*)"/\1/g' | sort >want.csv
	printf '%s\n' "$FL_OUT" | sed 1d | sed -E 's/"([^",]*)"/\1/g' | sort >got.csv
	if cmp -s want.csv got.csv; then ok "$t csv: the rows sqlite3 reads"; else
		not_ok "$t csv: the rows sqlite3 reads" "$(diff want.csv got.csv | head -n 6)"; fi
	expect_ok "export --table $t --format json" export --table "$t" --format json n.db
	printf '%s\n' "$FL_OUT" >e.json
	if json_valid e.json; then ok "$t json: valid"; else not_ok "$t json: valid"; fi
	is "$t json: columns and row count" \
		"$(sqlite3 :memory: "select (select group_concat(value, ',') from json_each(json_extract(readfile('e.json'), '\$.columns'))) || ' ' || json_array_length(readfile('e.json'), '\$.rows')")" \
		"$cols $(sqlite3 n.db "select count(*) from $t")"
done
run_fl export --table outcomes --format json --run 2 n.db
printf '%s\n' "$FL_OUT" >e.json
is "--run 2: that run's outcomes, NULL as null" \
	"$(json_get e.json '$.rows[0].run_id') $(sqlite3 :memory: "select json_array_length(readfile('e.json'), '\$.rows')") $(sqlite3 :memory: "select json_type(readfile('e.json'), '\$.rows[0].writer_id')")" \
	"2 $(sqlite3 n.db 'select count(*) from outcomes where run_id = 2') null"
run_fl export --table faults --run 1 n.db
is "--run on a trace table: the run's trace" "$(($(printf '%s\n' "$FL_OUT" | wc -l) - 1))" \
	"$(sqlite3 n.db 'select count(*) from faults where trace_id = (select trace_id from runs where run_id = 1)')"

expect_fail "no --table" 2 "which table\? --table T" export n.db
expect_fail "a table the store does not have" 2 "no table 'sqlite_master' in the store" \
	export --table sqlite_master n.db
expect_fail "an SQL injection is just an unknown table" 2 "no table 'runs; DROP TABLE runs'" \
	export --table 'runs; DROP TABLE runs' n.db
expect_fail "unknown format" 2 "unknown format 'xml'" export --table runs --format xml n.db
expect_fail "--run does not apply to meta" 2 "--run does not apply to meta" export --table meta --run 1 n.db
# Without a DB, faultline.db in the current directory, as replay writes
# it and report, diff and tui read it.
mkdir nodb && cd nodb || exit 1
expect_fail "no DB and no faultline.db here: named, exit 1" 1 "faultline\.db: No such file" export --table runs
cp ../n.db faultline.db
run_fl export --table runs
is "export without a DB reads faultline.db" "$FL_OUT" "$("$FAULTLINE" export --table runs ../n.db)"
cd .. || exit 1

expect_ok "--help" export --help
is "--help fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""

done_testing
