#!/bin/bash
# report --fidelity and the HTML page's latency chart read the tallies a
# replay stores with each run (tally_fidelity, tally_latency in
# schemas/outcomes.sql) instead of joining every fault with its outcome.
# The tallies must hold exactly what the join gives, faults after a loss
# ('unknown' / 'after loss') included, and the reports must not change:
# the same database with the tables dropped (a database from before them)
# answers the same, in every format.
. "$FL_TOP/tests/lib.sh"

q() { sqlite3 "$1" "$2" 2>&1; }
d=$FL_TMP/t
mkdir -p "$d"
db=$d/r.db

# A trace that lost records half-way: the bundled mmchurn with a loss in
# its metadata's environment, as scripts/capture-perf-trace writes it.
expect_ok "mmchurn, to learn its span" replay -s classic "$FL_TOP/traces/x86_64/mmchurn" -o "$d/span.db"
span=$(q "$d/span.db" 'select t_first, t_last from traces')
t0=${span%|*}
t1=${span#*|}
mid=$(((t0 + t1) / 2))
lossy=$d/lossy-mmchurn
cp -r "$FL_TOP/traces/x86_64/mmchurn" "$lossy"
sed -i "s/^\ttracer_name = \"perf\";/&\n\tperf_lost = \"0:$mid:$((mid + 1000)):5\";/" "$lossy/metadata"

expect_ok "node-gc, all strategies" replay -s all "$FL_TOP/traces/x86_64/node-gc" -o "$db"
expect_ok "the lossy mmchurn, all strategies" replay -s all "$lossy" -o "$db"
expect_ok "node-gc again: its trace is stored once" replay -s pervma --profile 6.7 "$FL_TOP/traces/x86_64/node-gc" -o "$db"
expect_ok "the faultline-dialect node-gc" replay -s spf "$FL_TOP/traces/x86_64/fl-node-gc" -o "$db"
runs=$(q "$db" 'select count(*) from runs')
for t in tally_fidelity tally_latency; do
	is "every run has its $t" "$(q "$db" "select count(distinct run_id) from $t")" "$runs"
done
is "the predicted fallbacks are indexed (outcomes_fell_back)" \
	"$(q "$db" "select count(*) from sqlite_master where type = 'index' and name = 'outcomes_fell_back'")" 1
after=$(q "$db" "select count(*) from faults where gt_detail = 'after loss'")
if [ "${after:-0}" -gt 0 ]; then ok "the lossy trace has $after faults after its loss"; else
	not_ok "the lossy trace has faults after its loss" "$after"; fi

# The tally, row for row, against the join it stands for.
cols="run_id, outcome, counter, reason, fell_back, gt, gt_detail"
a=$(q "$db" "select $cols, n from tally_fidelity order by $cols")
b=$(q "$db" "select r.run_id, o.run_id is not null, coalesce(o.counter, ''), coalesce(o.reason, ''),
	coalesce(o.fell_back, 0), f.gt, f.gt_detail, count(*) from runs r
	join faults f on f.trace_id = r.trace_id
	left join outcomes o on o.run_id = r.run_id and o.fault_id = f.fault_id
	group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7")
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "tally_fidelity is the join of faults and outcomes ($(echo "$a" | wc -l) rows)"
else not_ok "tally_fidelity is the join of faults and outcomes" "$(diff <(echo "$a") <(echo "$b") | head -5)"; fi
is "... 'after loss' included" "$(q "$db" "select count(distinct run_id) from tally_fidelity where gt_detail = 'after loss'")" 4
is "tally_latency counts every outcome" "$(q "$db" 'select sum(n) from tally_latency')" \
	"$(q "$db" 'select count(*) from outcomes')"

# The reports from the tallies and from the outcomes, as a database
# written before the tallies has them,
old=$d/old.db
cp "$db" "$old"
for t in tally_fidelity tally_latency; do q "$old" "DROP TABLE $t" >/dev/null; done
# and without the index the disagreeing faults are found through.
q "$old" "DROP INDEX outcomes_fell_back" >/dev/null
# Under valgrind (a report there takes seconds), the first run and the
# last, without --limit: the same code, a tenth of the reports.
runs=$(q "$db" 'select run_id from runs')
lims=("" "--limit 0" "--limit 1")
if [ "${FL_VALGRIND:-0}" = 1 ]; then
	runs="$(q "$db" 'select min(run_id) from runs') $(q "$db" 'select max(run_id) from runs')"
	lims=("")
fi
bad=""
for run in $runs; do
	for fmt in text json csv; do
		for lim in "${lims[@]}"; do
			# shellcheck disable=SC2086
			a=$("$FAULTLINE" report --fidelity --run "$run" $lim --format "$fmt" "$db" 2>&1 | sed "s#$db#DB#")
			# shellcheck disable=SC2086
			b=$("$FAULTLINE" report --fidelity --run "$run" $lim --format "$fmt" "$old" 2>&1 | sed "s#$old#DB#")
			[ "$a" = "$b" ] || bad="$bad run $run $fmt $lim: $(diff <(echo "$a") <(echo "$b") | head -4);"
		done
	done
done
is "--fidelity from the tally = --fidelity from the outcomes, every run and format" "$bad" ""
run_fl report --fidelity --run 5 --format json "$db"
printf '%s\n' "$FL_OUT" >"$d/lossy.json"
is "the faults after the loss are left out, as unknown" "$(json_get "$d/lossy.json" '$.excluded_unknown')" "$after"
# The blocked time too: over the faults before the loss, recorded and
# predicted alike (a thread's whole time would mix in the ones after it).
is "... and out of the blocked time" \
	"$(json_get "$d/lossy.json" '$.blocked.faults_after_loss_left_out')" "$after"
before="f.trace_id = (select trace_id from runs where run_id = 5) and f.gt_detail <> 'after loss'"
is "... whose recorded waits are the faults' before the loss" \
	"$(json_get "$d/lossy.json" '$.blocked.faults_recorded_ns')" \
	"$(q "$db" "select coalesce(sum(f.gt_lock_wait), 0) from faults f where $before")"
is "... and so are its predicted ones" \
	"$(json_get "$d/lossy.json" '$.blocked.faults_predicted_ns')" \
	"$(q "$db" "select coalesce(sum(o.lock_wait), 0) from faults f join outcome_rows o
		on o.fault_id = f.fault_id and o.run_id = 5 where $before")"
run_fl report --fidelity --run 5 "$db"
w=$(grep -n "^warning: *the trace lost events" <<<"$FL_OUT" | head -1 | cut -d: -f1)
b=$(grep -n "^blocked on mmap_lock" <<<"$FL_OUT" | head -1 | cut -d: -f1)
if [ -n "$w" ] && [ -n "$b" ] && [ "$w" -lt "$b" ] && grep -q "the $after after it are left out" <<<"$FL_OUT"
then ok "... which the text says, under the loss's warning"
else not_ok "... which the text says, under the loss's warning" "warning at line ${w:-none}, blocked at ${b:-none}"; fi
run_fl report --fidelity --run 1 --format json "$db"
printf '%s\n' "$FL_OUT" >"$d/clean.json"
is "a trace that lost nothing leaves no fault out of the blocked time" \
	"$(json_get "$d/clean.json" '$.blocked.faults_after_loss_left_out')" 0
is "... and compares the threads' whole waits" "$(json_get "$d/clean.json" '$.blocked.faults_recorded_ns')" \
	"$(q "$db" "select sum(blocked_traced) from thread_times where run_id = 1")"

expect_ok "report --html from the tallies" report --html "$d/a.html" "$db"
mv "$db" "$d/keep.db"
cp "$old" "$db"
expect_ok "report --html from the outcomes" report --html "$d/b.html" "$db"
mv "$d/keep.db" "$db"
if cmp -s "$d/a.html" "$d/b.html"; then ok "... the same page"; else
	not_ok "... the same page" "$(diff "$d/a.html" "$d/b.html" | head -10)"; fi

# An older database takes a replay: the tables appear, for the new run.
expect_ok "a replay into a database without them" replay --again -s pervma "$lossy" -o "$old"
is "... tallies its own run only" "$(q "$old" 'select group_concat(distinct run_id) from tally_fidelity')" \
	"$(q "$old" 'select max(run_id) from runs')"
last=$(q "$old" 'select max(run_id) from runs')
a=$("$FAULTLINE" report --fidelity --run "$last" --format json "$old")
q "$old" "DROP TABLE tally_fidelity" >/dev/null
is "... and its fidelity agrees with the outcomes" "$("$FAULTLINE" report --fidelity --run "$last" --format json "$old")" "$a"

# faultline merge: the tallies follow their runs; a shard from before them
# merges too, its runs read from their outcomes.
nt=$d/nt.db
expect_ok "a shard without tallies" replay -s pervma "$FL_TOP/traces/x86_64/mmchurn" -o "$nt"
for t in tally_fidelity tally_latency; do q "$nt" "DROP TABLE $t" >/dev/null; done
expect_ok "merge it with the database" merge "$d/m.db" "$nt" "$db"
is "the merged runs but the shard's have their tallies" \
	"$(q "$d/m.db" 'select group_concat(run_id) from (select distinct run_id from tally_fidelity order by 1)')" \
	"$(q "$d/m.db" 'select group_concat(run_id) from (select run_id from runs where run_id > 1 order by 1)')"
is "... the same rows as in the database" \
	"$(q "$d/m.db" 'select count(*), sum(n) from tally_fidelity') $(q "$d/m.db" 'select count(*), sum(n) from tally_latency')" \
	"$(q "$db" 'select count(*), sum(n) from tally_fidelity') $(q "$db" 'select count(*), sum(n) from tally_latency')"
# The JSON but for the ids the merge renumbers and the database's name.
fid() { "$FAULTLINE" report --fidelity --run "$1" --format json "$2" | grep -v '"\(run_id\|trace_id\|database\)":'; }
bad=""
for run in 1 2 6; do
	a=$(fid "$run" "$d/m.db")
	if [ "$run" = 1 ]; then b=$(fid 1 "$nt"); else b=$(fid $((run - 1)) "$db"); fi
	[ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad run $run: $(diff <(echo "$a") <(echo "$b") | head -4);"
done
is "--fidelity of the merged runs is the shards'" "$bad" ""

done_testing
