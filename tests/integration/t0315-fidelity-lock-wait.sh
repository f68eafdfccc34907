#!/bin/bash
# The recorded mmap_lock wait of a fault that did IO between two
# acquisitions (tests/fixtures/fl-cowread): write faults on private file
# mappings whose pages were not cached.  vmf_anon_prepare() takes and
# releases the trylock, filemap_fault() drops the VMA lock for the read
# (VM_FAULT_RETRY), and lock_mm_and_find_vma() takes mmap_lock again: the
# events are S A R, the read, S A.  The fault waited on the lock for its two
# start_locking-to-acquire spans only.  Counted from the first start_locking
# to the last acquire, as it once was, fault 55 "waited" 848,000 ns, the
# whole read, instead of 2,495.
. "$FL_TOP/tests/lib.sh"

tr=$FL_TOP/tests/fixtures/fl-cowread
db=$FL_TMP/cow.db
expect_ok "fl-cowread: replay -s pervma" replay -s pervma -o "$db" "$tr"

# fault_id:gt_lock_wait of each fallback, from the fixture's events: fault
# 13 took mmap_lock once (S A); 55, 59, 63 and 67 are S A R, the read, S A.
is "the fallbacks' recorded waits are their acquisitions' own" \
	"$(sqlite3 "$db" "select group_concat(fault_id || ':' || gt_lock_wait, ' ')
		from (select fault_id, gt_lock_wait from faults where gt = 'fallback' order by fault_id)")" \
	"13:281 55:2495 59:833 63:1483 67:1634"
is "... and no longer the reads between them (each fault lasted over 200 us)" \
	"$(sqlite3 "$db" "select count(*) from faults where fault_id in (55, 59, 63, 67)
		and t_end - t > 200000 and gt_lock_wait < 5000")" 4

# What report --fidelity shows as the faults' recorded blocked time, and the
# thread's in the run's times: their sum, 6,726 ns.
run_fl report --fidelity --format json "$db"
is "report --fidelity: exit 0" "$FL_RC" 0
printf '%s\n' "$FL_OUT" >"$FL_TMP/fid.json"
is "report --fidelity: the faults' recorded blocked time" \
	"$(json_get "$FL_TMP/fid.json" '$.blocked.faults_recorded_ns')" 6726
is "thread_times: the thread's traced blocked time" \
	"$(sqlite3 "$db" "select sum(blocked_traced) from thread_times")" 6726
# pervma predicts these five fallbacks and replays their recorded waits.
is "pervma: the five fallbacks, predicted" \
	"$(json_get "$FL_TMP/fid.json" '$.tp') $(json_get "$FL_TMP/fid.json" '$.fp') $(json_get "$FL_TMP/fid.json" '$.fn')" \
	"5 0 0"
is "pervma: predicted blocked time = recorded" \
	"$(json_get "$FL_TMP/fid.json" '$.blocked.faults_predicted_ns')" 6726

done_testing
