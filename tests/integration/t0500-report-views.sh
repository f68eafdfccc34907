#!/bin/bash
# faultline report's views on a real database: the bundled mmchurn trace
# replayed with every strategy.  Table, CSV and JSON are compared with the
# golden outputs in tests/golden/ (FL_UPDATE_GOLDEN=1 rewrites them); then
# the properties every view must have, colour, and the inputs refused.
. "$FL_TOP/tests/lib.sh"

golden=$FL_TOP/tests/golden
cd "$FL_TMP" || exit 1
if ! "$FAULTLINE" replay "$FL_TOP/traces/x86_64/mmchurn" -s all -o m.db >/dev/null 2>rep.err; then
	not_ok "replay traces/x86_64/mmchurn -s all" "$(cat rep.err)"
	done_testing
	exit
fi
ok "replay traces/x86_64/mmchurn -s all"

# What changes from build to build and run to run: the version and the
# time of the replay; the trace's absolute path.
normalise() {
	sed -E -e 's/(replayed: +by faultline ).*/\1VERSION at DATE/' \
		-e 's/("tool_version": )"[^"]*"/\1"VERSION"/' \
		-e 's/("created_at": )"[^"]*"/\1"DATE"/' \
		-e "s|$FL_TOP/||g"
}

# golden NAME ARGS...: faultline ARGS, normalised, equals tests/golden/NAME.
golden() {
	local name=$1; shift
	run_fl "$@"
	if [ "$FL_RC" -ne 0 ]; then
		not_ok "golden $name" "faultline $* exited $FL_RC" "$FL_ERR"
		return
	fi
	printf '%s\n' "$FL_OUT" | normalise >"$name.got"
	if [ "${FL_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$name.got" "$golden/$name"
		ok "golden $name # updated"
	elif diff -u "$golden/$name" "$name.got" >"$name.diff"; then
		ok "golden $name"
	else
		not_ok "golden $name" "$(head -n 40 "$name.diff")"
	fi
}

golden report.txt report m.db
golden report.csv report --format csv m.db
golden report.json report --format json m.db
golden report-by-cause.csv report --by cause --format csv m.db
golden report-by-thread.json report --by thread --format json --run 2 m.db
for by in cause reason vma thread writer time handler; do
	golden "report-by-$by.txt" report --by "$by" --top 5 m.db
done

# ---- properties --------------------------------------------------------------

# fits WIDTH WHAT ARGS...: under COLUMNS=WIDTH, faultline ARGS exits 0 and
# every line fits WIDTH.
fits() {
	local width=$1 what=$2; shift 2
	COLUMNS=$width run_fl "$@"
	is "$what: exit 0, fits $width columns" \
		"$FL_RC $(printf '%s\n' "$FL_OUT" | awk -v w="$width" 'length($0) > w {print NR": "$0}')" "0 "
}
# whole WHAT ARGS...: at 80 columns nothing that names a row is cut:
# the one column that may lose its tail here is the last, the reason
# view's list of counters, and then a line says the table was cut.
whole() {
	local what=$1; shift
	COLUMNS=80 run_fl "$@"
	is "$what: at 80 columns, addresses, ranges and causes whole" \
		"$FL_RC $(printf '%s\n' "$FL_OUT" | grep -n -e '\.\.\..' | head -n 3)" "0 "
	is "$what: ... and a cut is said" \
		"$(printf '%s\n' "$FL_OUT" | grep -c '\.\.\.$' | sed 's/^[1-9].*/cut/')" \
		"$(printf '%s\n' "$FL_OUT" | grep -c '^ *(cut to 80 columns; --wide shows it whole)$' | sed 's/^[1-9].*/cut/')"
}
fits 200 "default view" report m.db
whole "default view" report m.db
for by in cause reason vma thread writer time handler ip; do
	fits 200 "--by $by" report --by "$by" m.db
	whole "--by $by" report --by "$by" m.db
	run_fl report --by "$by" --format json m.db
	printf '%s\n' "$FL_OUT" >r.json
	if json_valid r.json; then ok "--by $by json: valid"; else not_ok "--by $by json: valid" "$FL_OUT"; fi
	is "--by $by json: names the view, four runs" \
		"$(json_get r.json '$.by') $(json_get r.json '$.runs[#-1].run_id')" "$by 4"
	run_fl report --by "$by" --format csv m.db
	is "--by $by csv: every line has the header's field count" \
		"$(printf '%s\n' "$FL_OUT" | awk -F, -v q='"' 'index($0, q) == 0 {print NF}' | sort -u | wc -l)" 1
done

run_fl report --format json m.db
printf '%s\n' "$FL_OUT" >r.json
# The summary and the causes agree with the store.
is "json: summary faults = runs.faults" "$(json_get r.json '$.runs[1].summary[0].count')" \
	"$(sqlite3 m.db 'select faults from runs where run_id = 2')"
is "json: fell back = runs.fallbacks" \
	"$(sqlite3 :memory: "select json_extract(value, '\$.count') from json_each(json_extract(readfile('r.json'), '\$.runs[3].summary')) where json_extract(value, '\$.outcome') = 'fell back to mmap_lock'")" \
	"$(sqlite3 m.db 'select fallbacks from runs where run_id = 4')"
# Percentiles: nearest rank, worked out by SQL over the whole run.
for run in 1 2 3 4; do
	want=$(sqlite3 m.db "with o as (select latency, row_number() over (order by latency) rn,
		count(*) over () n from outcomes where run_id = $run)
		select (select latency from o where rn = (50 * n + 99) / 100) || ' ' ||
		(select latency from o where rn = (90 * n + 99) / 100) || ' ' ||
		(select latency from o where rn = (99 * n + 99) / 100) || ' ' || max(latency) from o")
	got="$(json_get r.json "\$.runs[$((run - 1))].latency[0].p50_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[0].p90_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[0].p99_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[0].max_ns")"
	is "run $run: latency p50 p90 p99 max by nearest rank" "$got" "$want"
	want=$(sqlite3 m.db "with o as (select lock_wait, row_number() over (order by lock_wait) rn,
		count(*) over () n from outcomes where run_id = $run)
		select (select lock_wait from o where rn = (50 * n + 99) / 100) || ' ' ||
		(select lock_wait from o where rn = (90 * n + 99) / 100) || ' ' ||
		(select lock_wait from o where rn = (99 * n + 99) / 100) || ' ' || max(lock_wait) from o")
	got="$(json_get r.json "\$.runs[$((run - 1))].latency[1].p50_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[1].p90_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[1].p99_ns") $(json_get r.json "\$.runs[$((run - 1))].latency[1].max_ns")"
	is "run $run: lock wait p50 p90 p99 max (zeros not indexed)" "$got" "$want"
	# The fast fidelity counts equal report --fidelity's fault by fault.
	"$FAULTLINE" report --fidelity --run $run --format json m.db >f.json
	is "run $run: fidelity counts as report --fidelity" \
		"$(json_get r.json "\$.runs[$((run - 1))].fidelity.tp") $(json_get r.json "\$.runs[$((run - 1))].fidelity.fp") $(json_get r.json "\$.runs[$((run - 1))].fidelity.fn") $(json_get r.json "\$.runs[$((run - 1))].fidelity.tn")" \
		"$(json_get f.json '$.tp') $(json_get f.json '$.fp') $(json_get f.json '$.fn') $(json_get f.json '$.tn')"
done
# Top writers: the aborts a writer caused, by call, add up.
is "json: aborts by call sum to the outcomes naming a writer" \
	"$(sqlite3 :memory: "select sum(json_extract(value, '\$.aborts')) from json_each(json_extract(readfile('r.json'), '\$.runs[3].top_writers.by_call'))")" \
	"$(sqlite3 m.db 'select count(*) from outcomes where run_id = 4 and writer_id is not null')"

run_fl report --top 2 --format json m.db
printf '%s\n' "$FL_OUT" >r.json
is "--top 2: two rows per writer table" \
	"$(sqlite3 :memory: "select json_array_length(readfile('r.json'), '\$.runs[3].top_writers.by_ip')")" 2
# A --by view cut to --top K says how many rows it left out; CSV and JSON
# hold every row unless --top is given.
nvmas=$(sqlite3 m.db 'select count(*) from (select 1 from outcomes where run_id = 2 group by vma_start, vma_end, vma_kind)')
run_fl report --by vma --run 2 m.db
is "--by vma: five rows, then how many more" "$(printf '%s\n' "$FL_OUT" | tail -n 1)" \
	"  $((nvmas - 5)) more rows (--top 0 for all)"
run_fl report --by vma --top 0 --run 2 m.db
is "--by vma --top 0: no footer" "$(printf '%s\n' "$FL_OUT" | grep -c 'more row')" 0
run_fl report --by vma --format csv --run 2 m.db
is "--by vma csv: every VMA without --top" "$(printf '%s\n' "$FL_OUT" | tail -n +2 | wc -l)" "$nvmas"
run_fl report --by vma --format json --run 2 m.db
printf '%s\n' "$FL_OUT" >r.json
is "--by vma json: every VMA without --top, more_rows 0" \
	"$(sqlite3 :memory: "select json_array_length(readfile('r.json'), '\$.runs[0].rows')") $(json_get r.json '$.runs[0].more_rows')" \
	"$nvmas 0"
run_fl report --by vma --top 3 --format json --run 2 m.db
printf '%s\n' "$FL_OUT" >r.json
is "--by vma --top 3 json: three rows, more_rows says the rest" \
	"$(sqlite3 :memory: "select json_array_length(readfile('r.json'), '\$.runs[0].rows')") $(json_get r.json '$.runs[0].more_rows')" \
	"3 $((nvmas - 3))"
# Times: s with ns since the trace's first event; --abs-time, the time of
# day of the trace's clock as babeltrace2 prints it (UTC here), while CSV
# keeps ns since the first event.
run_fl report --by time --run 2 m.db
is "--by time: the first slice at 0.000000000 s" "$(printf '%s\n' "$FL_OUT" | sed -n 3p | awk '{print $1}')" 0.000000000
t_first=$(sqlite3 m.db 'select t_first from traces where trace_id = 1')
t_first=$(TZ=UTC date -u -d "@$((t_first / 1000000000))" +%H:%M:%S).$(printf '%09d' $((t_first % 1000000000)))
TZ=UTC run_fl report --by time --abs-time --run 2 m.db
is "--by time --abs-time: the first slice at the trace's first event" \
	"$(printf '%s\n' "$FL_OUT" | sed -n 3p | awk '{print $1}')" "$t_first"
TZ=UTC run_fl report --by time --abs-time --format csv --run 2 m.db
is "--by time --abs-time --format csv: still ns since the first event" \
	"$(printf '%s\n' "$FL_OUT" | sed -n 2p | cut -d, -f5)" 0

# A narrow terminal cuts only what may be cut, and says so; --wide cuts
# nothing.
COLUMNS=60 run_fl report --by reason --run 4 m.db
contains "--by reason at 60 columns: the list of counters is cut, and that is said" "$FL_OUT" '^  \(cut to 60 columns; --wide shows it whole\)$'
COLUMNS=60 run_fl report --by reason --wide --run 4 m.db
is "--wide: nothing cut" "$(printf '%s\n' "$FL_OUT" | grep -c -e '\.\.\.' -e 'cut to')" 0
COLUMNS=50 run_fl report --by vma --run 2 m.db
is "--by vma at 50 columns: the VMA ranges whole" \
	"$(printf '%s\n' "$FL_OUT" | grep -cE '^  0x[0-9a-f]+-0x[0-9a-f]+ ')" 5

run_fl report --by vma --top 0 --format json --run 2 m.db
printf '%s\n' "$FL_OUT" >r.json
is "--top 0: every VMA" "$(sqlite3 :memory: "select json_array_length(readfile('r.json'), '\$.runs[0].rows')")" \
	"$(sqlite3 m.db 'select count(*) from (select 1 from outcomes where run_id = 2 group by vma_start, vma_end, vma_kind)')"
run_fl report --by time --format json --run 3 m.db
printf '%s\n' "$FL_OUT" >r.json
is "--by time: the buckets hold every fault" \
	"$(sqlite3 :memory: "select sum(json_extract(value, '\$.faults')) from json_each(json_extract(readfile('r.json'), '\$.runs[0].rows'))")" \
	"$(sqlite3 m.db 'select faults from runs where run_id = 3')"

# ---- colour --------------------------------------------------------------------
esc=$(printf '\033')
if command -v script >/dev/null 2>&1; then
	script -qec "$FAULTLINE report --run 2 m.db" /dev/null >tty.out 2>&1
	if grep -q "$esc\[1m" tty.out; then ok "colour on a terminal"; else
		not_ok "colour on a terminal" "$(head -n 5 tty.out)"; fi
	NO_COLOR=1 script -qec "$FAULTLINE report --run 2 m.db" /dev/null >tty.out 2>&1
	if grep -q "$esc" tty.out; then not_ok "NO_COLOR=1 on a terminal: no colour"; else
		ok "NO_COLOR=1 on a terminal: no colour"; fi
else
	skip "colour on a terminal" "no script(1) to give faultline a terminal"
	skip "NO_COLOR=1 on a terminal: no colour" "no script(1)"
fi
run_fl report m.db
if printf '%s' "$FL_OUT" | grep -q "$esc"; then not_ok "no colour into a pipe"; else
	ok "no colour into a pipe"; fi

# ---- refused ---------------------------------------------------------------------
echo "plain text, not a database" >notes.txt
sqlite3 other.db "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
cp m.db future.db
sqlite3 future.db "PRAGMA user_version = 99;"
for args in "report" "report --by vma" "report --html out.html" "export --table runs" \
	"diff @ 1 2"; do
	set -- $args
	cmd() { local a=(); for x in "$@"; do a+=("${x/@/$db}"); done; [[ " $* " == *" @ "* ]] || a+=("$db"); run_fl "${a[@]}"; }
	for case in missing notsqlite other future; do
		case $case in
		missing) db=nonexistent.db re="nonexistent\.db: No such file or directory" ;;
		notsqlite) db=notes.txt re="notes\.txt: not a faultline database: not an SQLite database" ;;
		other) db=other.db re="other\.db: not a faultline database: an SQLite database with no application_id" ;;
		future) db=future.db re="future\.db: .*schema version 99, newer than this faultline reads" ;;
		esac
		cmd "$@"
		if [ "$FL_RC" -eq 1 ] && printf '%s\n' "$FL_ERR" | grep -Eq -- "$re"; then
			ok "$args: $case refused"
		else
			not_ok "$args: $case refused" "exit $FL_RC" "$FL_ERR"
		fi
	done
done
expect_fail "report --run of a run that does not exist" 1 "m\.db: no run 9: the database holds 4 runs, ids 1 to 4" \
	report --run 9 m.db
expect_fail "report --by --run of a run that does not exist" 1 "m\.db: no run 9" report --by thread --run 9 m.db
expect_fail "report --html --run of a run that does not exist" 1 "m\.db: no run 9" report --html x.html --run 9 m.db
[ -e x.html ] && not_ok "... and writes no page" || ok "... and writes no page"
expect_fail "export --run of a run that does not exist" 1 "m\.db: no run 9" export --table outcomes --run 9 m.db
expect_fail "unknown view" 2 "unknown view 'bogus'" report --by bogus m.db
expect_fail "--top needs a count" 2 "--top takes a count" report --top -1 m.db
expect_fail "--html with --by" 2 "--html writes the whole page" report --html x.html --by vma m.db
expect_fail "--fidelity with --by" 2 "--fidelity is a view of its own" report --fidelity --by vma m.db

done_testing
