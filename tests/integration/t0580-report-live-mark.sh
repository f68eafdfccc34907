#!/bin/bash
# A run that `replay --live` is still growing is marked "live" in the
# store's meta (run_state:RUN_ID), one stopped by Ctrl-C "cut short"
# (replay/README.md).  report says so: in text a mark after "run N" with a
# footnote saying what it means, in JSON a "state" per run ("complete",
# "live" or "cut short"); --fidelity and --html too.  The marks are set
# by hand here, on a database replayed from a bundled trace.
. "$FL_TOP/tests/lib.sh"

d=$FL_TMP/t
mkdir -p "$d"
db=$d/r.db
expect_ok "mmchurn, classic and pervma" replay -s classic "$FL_TOP/traces/x86_64/mmchurn" -o "$db"
expect_ok "and pervma into the same database" replay -s pervma "$FL_TOP/traces/x86_64/mmchurn" -o "$db"
mark() {	# mark RUN STATE ("" removes it)
	sqlite3 "$db" "delete from meta where key = 'run_state:$1'"
	[ -z "$2" ] || sqlite3 "$db" "insert into meta (key, value) values ('run_state:$1', '$2')"
}
state() {	# state FORMAT-ARGS...: each run's JSON state, space-separated
	"$FAULTLINE" report --format json "$@" "$db" >"$d/j.json" 2>&1
	sqlite3 :memory: "select group_concat(json_extract(value, '$.state'), ',')
		from json_each(json_extract(readfile('$d/j.json'), '$.runs'))"
}

# Complete runs: no mark, no footnote, "complete" in JSON.
expect_ok "report, no marks" report "$db"
is "no run is marked" "$(printf '%s\n' "$FL_OUT" | grep -cE '^run [0-9]+ \[|^\[')" 0
is "JSON: both runs complete" "$(state)" "complete,complete"
is "JSON --by thread: both runs complete" "$(state --by thread)" "complete,complete"

for s in live "cut short"; do
	mark 2 "$s"
	expect_ok "report, run 2 $s" report "$db"
	contains "text: run 2 carries the mark [$s]" "$FL_OUT" "^run 2 \[$s\]: pervma,"
	contains "text: run 1 carries none" "$FL_OUT" "^run 1: classic,"
	contains "text: a footnote says what [$s] means" "$FL_OUT" "^\[$s\]: .*replay --live"
	is "text: one footnote" "$(printf '%s\n' "$FL_OUT" | grep -c '^\[')" 1
	expect_ok "report --by vma, run 2 $s" report --by vma "$db"
	contains "--by vma: run 2 carries the mark" "$FL_OUT" "^run 2 \[$s\]: pervma"
	contains "--by vma: the footnote" "$FL_OUT" "^\[$s\]: "
	expect_ok "report --run 1: run 2 not shown" report --run 1 "$db"
	is "no footnote for a run not shown" "$(printf '%s\n' "$FL_OUT" | grep -c '^\[')" 0
	is "JSON: run 2 $s" "$(state)" "complete,$s"
	is "JSON --by vma: run 2 $s" "$(state --by vma)" "complete,$s"
	json_valid "$d/j.json" && ok "JSON valid, run 2 $s" || not_ok "JSON valid, run 2 $s"
done

# --fidelity (run 2 is the pervma run): the mark after the run's number,
# its footnote beside the loss warning, and the state in JSON.
mark 2 ""
fid_state() {
	"$FAULTLINE" report --fidelity --format json "$@" "$db" >"$d/f.json" 2>&1
	sqlite3 :memory: "select json_extract(readfile('$d/f.json'), '$.state')"
}
expect_ok "report --fidelity, no mark" report --fidelity "$db"
contains "--fidelity: run 2 without a mark" "$FL_OUT" "^fidelity of run 2 \(pervma"
is "--fidelity: no footnote" "$(printf '%s\n' "$FL_OUT" | grep -c '^\[')" 0
is "--fidelity JSON: complete" "$(fid_state)" "complete"
expect_ok "report --html, no mark" report --html "$d/p.html" "$db"
is "--html: no mark" "$(grep -c '\[live\]\|\[cut short\]' "$d/p.html")" 0
for s in live "cut short"; do
	mark 2 "$s"
	expect_ok "report --fidelity, run 2 $s" report --fidelity "$db"
	contains "--fidelity: run 2 carries the mark [$s]" "$FL_OUT" "^fidelity of run 2 \[$s\] \(pervma"
	contains "--fidelity: the footnote" "$FL_OUT" "^\[$s\]: .*replay --live"
	is "--fidelity JSON: $s" "$(fid_state)" "$s"
	expect_ok "report --html, run 2 $s" report --html "$d/p.html" "$db"
	contains "--html: run 2 marked in the runs' table" "$(cat "$d/p.html")" "</i>2 \[$s\]</td>"
	contains "--html: the mark's note" "$(cat "$d/p.html")" "<strong>\[$s\]:</strong> .*replay --live"
	if json_valid "$d/f.json"; then ok "--fidelity JSON valid, run 2 $s"
	else not_ok "--fidelity JSON valid, run 2 $s"; fi
done
mark 2 ""

# Both marks at once: both footnotes, live first.
mark 1 "cut short"
mark 2 live
expect_ok "report, one run of each mark" report "$db"
is "both footnotes, in order" "$(printf '%s\n' "$FL_OUT" | grep '^\[' | cut -d: -f1)" \
	"$(printf '[live]\n[cut short]')"
is "JSON: each run's state" "$(state)" "cut short,live"
mark 1 ""
mark 2 ""
is "marks removed: complete again" "$(state)" "complete,complete"

done_testing
