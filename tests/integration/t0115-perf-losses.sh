#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# What perf lost must reach every answer.  perf's CTF conversion drops
# PERF_RECORD_LOST, so scripts/capture-perf-trace writes the loss windows
# into the trace's environment (perf_lost, perf_lost_samples); a perf trace
# without them (perf run by hand) has its losses inferred from the
# syscalls it holds cut in half.  Recorded live with rings far too small
# for the program; the checks follow what perf says it lost, and the
# inferred count is checked against an independent count over
# babeltrace2's text output.  Needs root, perf and tracefs; every check
# says why when it skips.
. "$FL_TOP/tests/lib.sh"

checks=("capture-perf-trace records and converts"
	"replay warns with perf's own count"
	"losses rows: perf's windows, per CPU, inside the trace"
	"faults from the first loss on are marked 'after loss'"
	"info: complete, or not, as perf said"
	"without perf_lost: the cut syscalls are counted as babeltrace2 shows them"
	"without perf_lost: replay warns of inferred losses, or info says it cannot know"
	"a perf_lost entry that cannot be read names the trace and the entry")
need_recording root perf tracefs -- "${checks[@]}"

d=$FL_TMP/lossy
# 8 pages per CPU for a dozen threads faulting in bursts.
if "$FL_TOP/scripts/capture-perf-trace" -m 8 "$d" -- \
	"$FL_BUILD/tests/workloads/proctree" -w 2 -t 4 -i 10 >"$d.log" 2>&1 && [ -f "$d/metadata" ]; then
	ok "capture-perf-trace records and converts"
else
	not_ok "capture-perf-trace records and converts" "$(tail -n 5 "$d.log")"
fi
lost=$(sed -n 's/.*warning: perf lost \([0-9]*\) samples.*/\1/p' "$d.log")
lost=${lost:-0}
echo "# perf lost $lost"
run_fl replay -s pervma -o "$d.db" "$d"
if [ "$lost" -gt 0 ]; then
	contains "replay warns with perf's own count" "$FL_ERR" "lost events: $lost perf records,"
	is "losses rows: perf's windows, per CPU, inside the trace" \
		"$(sqlite3 "$d.db" "select sum(count) = $lost and count(*) > 0
			and min(coalesce(t_begin, t.t_first)) >= t.t_first and max(coalesce(t_end, 0)) <= t.t_last
			and min(cpu) >= -1 from losses join traces t using (trace_id) where what = 'perf records'")" 1
	is "faults from the first loss on are marked 'after loss'" \
		"$(sqlite3 "$d.db" "select count(*) = sum(f.gt = 'unknown' and f.gt_detail = 'after loss')
			from faults f join traces t using (trace_id) where f.t >= t.t_first_loss")" 1
	contains "info: complete, or not, as perf said" "$("$FAULTLINE" info "$d")" "complete                 no"
else
	# A fast machine kept up even so: then nothing may be reported lost.
	if printf '%s\n' "$FL_ERR" | grep -q 'lost events'; then
		not_ok "replay warns with perf's own count" "perf lost nothing, replay says: $FL_ERR"
	else
		ok "replay warns with perf's own count (perf lost nothing: no warning)"
	fi
	is "losses rows: perf's windows, per CPU, inside the trace" \
		"$(sqlite3 "$d.db" 'select count(*) from losses')" 0
	is "faults from the first loss on are marked 'after loss'" \
		"$(sqlite3 "$d.db" "select count(*) from faults where gt_detail = 'after loss'")" 0
	contains "info: complete, or not, as perf said" "$("$FAULTLINE" info "$d")" "complete                 yes"
fi

# The same trace as `perf data convert` alone leaves it: no perf_lost.
h=$FL_TMP/by-hand
cp -r "$d" "$h"
sed -i '/^\tperf_lost\(_samples\)\? = /d' "$h/metadata"
# The oracle: per thread, an mm syscall's entry must be followed by its exit;
# an entry after an entry, an exit of another call, or an exit with no entry
# from a thread whose earlier call is in the trace, is one cut.
want=$(babeltrace2 "$h" | awk '
	match($0, /syscalls:sys_(enter|exit)_(mmap|munmap|mprotect|mremap|brk|madvise):/) {
		ev = substr($0, RSTART + 13, RLENGTH - 14)
		split(ev, p, "_"); phase = p[1]; call = p[2]
		t = $0; sub(/.*perf_tid = /, "", t); sub(/,.*/, "", t)
		if (phase == "enter") {
			if (pend[t] != "") cuts++
			pend[t] = call
		} else {
			if (pend[t] != "" && pend[t] != call) cuts++
			else if (pend[t] == "" && seen[t]) cuts++
			pend[t] = ""; seen[t] = 1
		}
	}
	END { print cuts + 0 }')
"$FAULTLINE" info --format json "$h" >"$h.json"
got=$(json_get "$h.json" '$.mm_calls.inferred_losses')
echo "# cut syscalls: $want"
is "without perf_lost: the cut syscalls are counted as babeltrace2 shows them" "$got" "$want"
run_fl replay -s pervma -o "$h.db" "$h"
if [ "$want" -gt 0 ]; then
	contains "without perf_lost: replay warns of inferred losses, or info says it cannot know" \
		"$FL_ERR" "lost events: at least $want perf records .$want syscalls cut in half."
else
	contains "without perf_lost: replay warns of inferred losses, or info says it cannot know" \
		"$("$FAULTLINE" info "$h")" "perf's losses not in the trace; none inferred"
fi

b=$FL_TMP/bad
cp -r "$d" "$b"
sed -i 's/^\tperf_lost = "/\tperf_lost = "x/' "$b/metadata"
run_fl replay -o "$b.db" "$b"
contains "a perf_lost entry that cannot be read names the trace and the entry" "$FL_ERR" \
	"$b: trace environment entry 'perf_lost': cannot read"
done_testing
