#!/bin/bash
# The views by thread, VMA, handler and time read the tallies a replay
# stores with each run (schemas/outcomes.sql, @tallies) instead of every
# outcome with its fault.  They must answer exactly as the outcomes do: the
# same database with the tally tables dropped (a database from before
# them) gives the same output, in every format and in the HTML page.  A
# replay into such an older database adds the tables and tallies its own
# runs.
. "$FL_TOP/tests/lib.sh"

q() { sqlite3 "$1" "$2" 2>&1; }
tallies="tally_threads tally_vmas tally_handlers tally_times tally_percentiles"
drop() { for t in $tallies; do q "$1" "DROP TABLE $t" >/dev/null; done; }

d=$FL_TMP/t
mkdir -p "$d"
db=$d/r.db
expect_ok "node-gc, all strategies" replay -s all "$FL_TOP/traces/x86_64/node-gc" -o "$db"
expect_ok "mmchurn, all strategies, into the same database" replay -s all "$FL_TOP/traces/x86_64/mmchurn" -o "$db"
expect_ok "node-gc again: its trace is stored once" replay -s pervma --profile 6.7 "$FL_TOP/traces/x86_64/node-gc" -o "$db"
expect_ok "the faultline-dialect node-gc" replay -s spf "$FL_TOP/traces/x86_64/fl-node-gc" -o "$db"
runs=$(q "$db" 'select count(*) from runs')
for t in tally_threads tally_handlers tally_times tally_vmas tally_percentiles; do
	is "every run has its $t" "$(q "$db" "select count(distinct run_id) from $t")" "$runs"
done

old=$d/old.db
cp "$db" "$old"
drop "$old"
bad=""
# Under valgrind the table format only: each report of the old database
# counts from the outcomes, and CSV and JSON render the same rows (they are
# compared here without valgrind).
fmts="table csv json"
[ "${FL_VALGRIND:-0}" = 1 ] && fmts=table
for view in thread vma handler time; do
	for fmt in $fmts; do
		a=$("$FAULTLINE" report --by "$view" --format "$fmt" "$db" 2>&1 | sed "s#$db#DB#")
		b=$("$FAULTLINE" report --by "$view" --format "$fmt" "$old" 2>&1 | sed "s#$old#DB#")
		[ "$a" = "$b" ] || bad="$bad --by $view --format $fmt: $(diff <(echo "$a") <(echo "$b") | head -5);"
	done
	a=$("$FAULTLINE" report --by "$view" --run 3 --top 5 "$db" 2>&1)
	b=$("$FAULTLINE" report --by "$view" --run 3 --top 5 "$old" 2>&1)
	[ "$a" = "$b" ] || bad="$bad --by $view --run 3 --top 5;"
done
# The default report's latency and lock-wait percentiles, every run.
for fmt in $fmts; do
	a=$("$FAULTLINE" report --format "$fmt" "$db" 2>&1 | sed "s#$db#DB#")
	b=$("$FAULTLINE" report --format "$fmt" "$old" 2>&1 | sed "s#$old#DB#")
	[ "$a" = "$b" ] || bad="$bad report --format $fmt: $(diff <(echo "$a") <(echo "$b") | head -5);"
done
is "views from the tallies = views from the outcomes" "$bad" ""
# A stored percentile is the nearest rank of the run's values, as SQL sorts them.
is "tally_percentiles: the nearest rank of every run's latencies and lock waits" \
	"$(q "$db" "with n as (select run_id, count(*) c from outcomes group by run_id),
		l as (select run_id, latency v, row_number() over (partition by run_id order by latency) rn
		      from outcomes),
		w as (select run_id, lock_wait v, row_number() over (partition by run_id order by lock_wait) rn
		      from outcomes),
		k as (select t.*, max(1, (t.p * n.c + 99) / 100) want from tally_percentiles t join n using (run_id))
		select count(*), sum(k.value = coalesce(l.v, w.v)) from k
		left join l on k.metric = 'latency' and l.run_id = k.run_id and l.rn = k.want
		left join w on k.metric = 'lock wait' and w.run_id = k.run_id and w.rn = k.want")" \
	"$(q "$db" "select printf('%d|%d', count(*) * 8, count(*) * 8) from runs")"
expect_ok "report --html from the tallies" report --html "$d/a.html" "$db"
mv "$db" "$d/keep.db"
cp "$old" "$db"
expect_ok "report --html from the outcomes" report --html "$d/b.html" "$db"
mv "$d/keep.db" "$db"
if cmp -s "$d/a.html" "$d/b.html"; then ok "... the same page"; else
	not_ok "... the same page" "$(diff "$d/a.html" "$d/b.html" | head -10)"; fi

# An older database takes a replay: the tables appear, for the new run.
expect_ok "a replay into a database without tallies" replay --again -s classic "$FL_TOP/traces/x86_64/mmchurn" -o "$old"
is "... tallies its own run only" "$(q "$old" 'select group_concat(distinct run_id) from tally_handlers')" \
	"$(q "$old" 'select max(run_id) from runs')"
a=$("$FAULTLINE" report --by handler --format csv "$old")
drop "$old"
is "... and its views agree with the outcomes" "$("$FAULTLINE" report --by handler --format csv "$old")" "$a"

done_testing
