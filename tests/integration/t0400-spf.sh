#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# The speculative strategies on the bundled traces: every outcome of spf and
# spf-mmseq carries a cause of its series' taxonomy, writer-caused aborts
# name their writer, runs are deterministic and --strategy all agrees with
# single runs, --seeds prints a spread, thread_times are stored, and the
# property that ties the two designs together holds on real traces.
. "$FL_TOP/tests/lib.sh"

q() { sqlite3 "$1" "$2" 2>&1; }
contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}
rows() {	# the outcome rows of one run, in fault order
	q "$1" "select fault_id, path, fell_back, counter, reason, attempts, latency, lock_wait,
		coalesce(writer_id, 0) from outcomes where run_id = $2 order by fault_id" | md5sum
}

for name in mmchurn node-gc fl-node-gc; do
	trace=$FL_TOP/traces/x86_64/$name
	[ -d "$trace" ] || { skip "$name" "trace not bundled"; continue; }
	db=$FL_TMP/$name.db
	expect_ok "$name: replay --strategy all" replay "$trace" --strategy all -o "$db"
	contains "$name: summary has spf" "$FL_OUT" "^run [0-9]+: +spf v12: [0-9]+ of [0-9]+ faults fell back"
	contains "$name: summary has spf-mmseq" "$FL_OUT" "^run [0-9]+: +spf-mmseq: [0-9]+ of"
	contains "$name: spf_attempt / spf_abort totals" "$FL_OUT" "vmstat spf_attempt [0-9]+, spf_abort [0-9]+"
	spf=$(q "$db" "select run_id from runs where strategy = 'spf'")
	mms=$(q "$db" "select run_id from runs where strategy = 'spf-mmseq'")

	# Every spf outcome: the series' events (pagefault:spf_*), its vmstat
	# speculative_pgfault, or no counter when nothing was tried.
	is "$name: spf counters are the series'" "$(q "$db" "select count(*) from outcomes
		where run_id = $spf and counter not in ('speculative_pgfault', 'spf_vma_changed',
		'spf_vma_notsup', 'spf_vma_noanon', 'spf_vma_access', 'spf_pmd_changed',
		'spf_pte_lock', '')")" 0
	is "$name: spf-mmseq counters are SPF_ABORT_* or spf_attempt" "$(q "$db" "select count(*)
		from outcomes where run_id = $mms and counter not like 'SPF_ABORT_%'
		and counter not in ('spf_attempt', '')")" 0
	# Every abort is explained: a counter and a reason; every abort that
	# a writer caused names a writer of the trace.
	is "$name: every spf abort has its spf_* cause" "$(q "$db" "select count(*) from outcomes
		where run_id = $spf and fell_back and (reason = '' or (counter = ''
		and reason not in ('no VMA (get_vma() NULL), no event', 'file IO under SPF')))")" 0
	is "$name: vm_sequence aborts by a writer name it" "$(q "$db" "select count(*) from outcomes
		where run_id = $spf and counter = 'spf_vma_changed' and reason not like '%zap%'
		and writer_id is null")" 0
	is "$name: mmap_seq aborts name their writer" "$(q "$db" "select count(*) from outcomes
		where run_id = $mms and counter in ('SPF_ABORT_ODD', 'SPF_ABORT_VMA_COPY',
		'SPF_ABORT_PTE_MAP_LOCK_SEQ1', 'SPF_ABORT_PTE_MAP_LOCK_SEQ2') and writer_id is null")" 0
	is "$name: named writers are in writers" "$(q "$db" "select count(*) from outcomes o
		join runs r using (run_id) where o.writer_id is not null and not exists (select 1
		from writers w where w.trace_id = r.trace_id and w.writer_id = o.writer_id)")" 0

	# The property.  On one timeline and one attempt window per fault,
	# every abort spf blames on a writer is an abort under spf-mmseq too.
	# Why the semantics guarantee it: spf aborts for a writer only when
	# that writer bumped the vm_sequence of the fault's VMA -- it held
	# mmap_lock for write at the lookup, or acquired it inside the
	# attempt before the last check (after the PTL).  A writer holding
	# mmap_lock for write has made mmap_seq odd (SPF_ABORT_ODD), and one
	# acquiring it moves mmap_seq, which spf-mmseq checks at the same
	# points (VMA copy, __pte_map_lock() before and after the PTL) or it
	# aborts earlier for a reason of its own.  The skips (kernel faults,
	# mm_users == 1) are the same in both, and spf-mmseq never completes
	# a fault spf only reaches past those checks.  The converse fails:
	# spf-mmseq aborts for writers of other VMAs, spf does not.
	is "$name: spf writer aborts are spf-mmseq aborts" "$(q "$db" "select count(*)
		from outcomes s join outcomes m on m.fault_id = s.fault_id and m.run_id = $mms
		where s.run_id = $spf and s.fell_back and s.writer_id is not null and not m.fell_back")" 0
	n=$(q "$db" "select count(*) from outcomes where run_id = $spf and writer_id is not null")
	ok "$name: property checked on $n writer-caused spf aborts"

	# delay propagation: a row per thread with faults, per run.
	is "$name: thread_times for every run" "$(q "$db" "select count(distinct run_id) from thread_times")" \
		"$(q "$db" "select count(*) from runs")"
	is "$name: run_pred = run_traced + shift" "$(q "$db" "select count(*) from thread_times
		where run_pred != max(0, run_traced + blocked_pred - blocked_traced + wasted)")" 0
	# A reader only waits while a writer holds mmap_lock or waits for it,
	# and a thread that waited is not blocked again for the same writer by
	# each fault the trace shows it taking meanwhile: no thread's
	# predicted blocked time can exceed the time its mm had a writer on
	# the lock (the union of the writers' [start_locking, released]).
	is "$name: blocked time within the writers' time on the lock" "$(q "$db" "
		with w as (select pid, coalesce(t_lock_start, t_enter) s,
				coalesce(t_lock_released, t_exit) e from writers
			where coalesce(t_lock_start, t_enter) is not null
			and coalesce(t_lock_released, t_exit) is not null),
		o as (select pid, s, e, max(e) over (partition by pid order by s
			rows between unbounded preceding and 1 preceding) pe from w),
		g as (select pid, s, e, sum(pe is null or s > pe)
			over (partition by pid order by s) grp from o),
		u as (select pid, min(s) s, max(e) e from g group by pid, grp),
		busy as (select pid, sum(e - s) ns from u group by pid)
		select count(*) from thread_times t left join busy b using (pid)
		where t.blocked_pred > coalesce(b.ns, 0)")" 0
done

# ---- determinism -----------------------------------------------------------

trace=$FL_TOP/traces/x86_64/mmchurn
all=$FL_TMP/mmchurn.db
for s in spf spf-mmseq; do
	one=$FL_TMP/one-$s.db
	expect_ok "mmchurn: replay -s $s" replay "$trace" -s "$s" -o "$one"
	expect_ok "mmchurn: replay -s $s again (--again)" replay "$trace" -s "$s" --again -o "$one"
	is "$s: two runs, identical rows" "$(rows "$one" 1)" "$(rows "$one" 2)"
	r=$(q "$all" "select run_id from runs where strategy = '$s'")
	is "$s: --strategy all = single run" "$(rows "$all" "$r")" "$(rows "$one" 1)"
done

# ---- profiles, knobs, seeds ------------------------------------------------

v11=$FL_TMP/v11.db
expect_ok "spf -p v11" replay "$trace" -s spf -p v11 --set pte_wide=1 -o "$v11"
is "v11 profile and knob recorded" "$(q "$v11" "select profile, knobs like '%\"pte_wide\":1%' from runs")" "v11|1"
expect_fail "spf -p 6.7 refused" 2 "profile '6.7'" replay "$trace" -s spf -p 6.7 -o "$FL_TMP/x.db"
contains "the refusal lists spf's profiles" "$FL_ERR" "v12, v11, v10, v12-ppc-intended, v11-ppc-intended, v10-ppc-intended"
seeds=$FL_TMP/seeds.db
expect_ok "--seeds 3 with jitter" replay "$trace" -s spf-mmseq --set jitter_ns=5000 --seeds 3 --seed 7 -o "$seeds"
is "three runs, seeds 7..9" "$(q "$seeds" "select group_concat(seed) from runs")" "7,8,9"
contains "spread header" "$FL_OUT" "^spread: +spf-mmseq over 3 seeds \(faults per cause; report --spread shows it again\)"
contains "spread table header" "$FL_OUT" "^  counter +reason +min +median +max$"
contains "spread line for SPF_ABORT_ODD" "$FL_OUT" "^  SPF_ABORT_ODD +mmap_seq odd: a writer holds mmap_lock +[0-9]+ +[0-9]+ +[0-9]+$"
is "no note about seeds changing nothing: jitter is set" "$(printf '%s\n' "$FL_ERR" | grep -c 'change nothing')" 0
replay_spread=$(printf '%s\n' "$FL_OUT" | sed -n '/^spread:/,/^stored in/p' | sed '1,2d;$d' | tr -s ' ')
# The same numbers later, from the database.
expect_ok "report --spread" report --spread "$seeds"
contains "report --spread: the runs, seeds and knob" "$FL_OUT" '^runs 1,2,3: spf-mmseq, seeds 7\.\.9, jitter_ns=5000 \(faults per cause over 3 runs\)$'
is "report --spread: the rows replay printed, in its order" \
	"$(printf '%s\n' "$FL_OUT" | sed '1,2d' | tr -s ' ')" "$replay_spread"
expect_ok "report --spread --format json" report --spread --format json "$seeds"
printf '%s\n' "$FL_OUT" >"$FL_TMP/spread.json"
is "report --spread json: min <= median <= max on every row" \
	"$(sqlite3 :memory: "select count(*) from json_each(readfile('$FL_TMP/spread.json'), '\$.spreads[0].rows') where json_extract(value, '\$.min') <= json_extract(value, '\$.median') and json_extract(value, '\$.median') <= json_extract(value, '\$.max')")" \
	"$(sqlite3 :memory: "select json_array_length(readfile('$FL_TMP/spread.json'), '\$.spreads[0].rows')")"
expect_ok "report --spread on a database without seeds" report --spread "$v11"
contains "... says there is none" "$FL_OUT" "no runs that differ only in their seed"
expect_fail "--seeds 0 refused" 2 "--seeds" replay "$trace" -s spf --seeds 0 -o "$FL_TMP/x.db"

done_testing
