#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline info on every bundled trace: its counts must agree with
# babeltrace2's own reading of the same trace, and with the counts recorded
# in traces/README.md when the trace was captured.
. "$FL_TOP/tests/lib.sh"

# Count events of one name as babeltrace2 (the reference reader) sees them.
bt_counts() {
	babeltrace2 "$1" | sed -E 's/^\[[^]]*\] \([^)]*\) ([^:]+(:[^:]+)?):.*/\1/' |
		sort | uniq -c | awk '{print $2, $1}' >"$FL_TMP/bt.counts"
}
bt() { awk -v n="$1" '$1 == n {print $2; f=1} END {if (!f) print 0}' "$FL_TMP/bt.counts"; }
sum() { local s=0; for n in "$@"; do s=$((s + $(bt "$n"))); done; echo $s; }

# The perf-ctf traces (one perf_stream_N per CPU); those faultline record
# wrote are checked by t0100-record-traces.sh.
traces=$(find "$FL_TOP/traces" -name perf_stream_0 -printf '%h\n' | sort)
[ -n "$traces" ] || not_ok "traces/ holds traces" "no metadata file under traces/"

for t in $traces; do
	name=${t#"$FL_TOP"/}
	run_fl info --format json "$t"
	if [ "$FL_RC" -ne 0 ]; then
		not_ok "$name: info succeeds" "$FL_ERR"
		continue
	fi
	ok "$name: info succeeds"
	printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
	if json_valid "$FL_TMP/info.json"; then ok "$name: --format json is valid JSON"; else
		not_ok "$name: --format json is valid JSON" "$FL_OUT"; fi
	j() { json_get "$FL_TMP/info.json" "$1"; }
	bt_counts "$t"

	is "$name: dialect" "$(j '$.dialect')" "perf-ctf"
	is "$name: CTF events read = babeltrace2's" "$(j '$.ctf_events')" \
		"$(awk '{s += $2} END {print s}' "$FL_TMP/bt.counts")"
	is "$name: faults = page_fault_user events" "$(j '$.events.fault')" \
		"$(bt exceptions:page_fault_user)"
	is "$name: minor fault ends" "$(j '$.faults.minor')" "$(bt minor-faults)"
	is "$name: major fault ends" "$(j '$.faults.major')" "$(bt major-faults)"
	is "$name: mmap_lock events" "$(j '$.events.mmap_lock')" \
		"$(sum mmap_lock:mmap_lock_start_locking mmap_lock:mmap_lock_acquire_returned mmap_lock:mmap_lock_released)"
	for k in mmap munmap mprotect mremap brk madvise; do
		is "$name: $k calls = sys_exit_$k events" "$(j "\$.mm_calls.$k")" "$(bt syscalls:sys_exit_$k)"
	done
	is "$name: every mm call paired" "$(j '$.mm_calls.unpaired_enter')/$(j '$.mm_calls.unpaired_exit')" "0/0"
	is "$name: vma snapshots = perf_mmap2" "$(j '$.vma_snapshot.extent_inferred')" "$(bt perf_mmap2)"
	is "$name: thread clones = perf_fork" "$(j '$.tasks.clone_thread')" "$(bt perf_fork)"
	is "$name: exits = perf_exit" "$(j '$.tasks.exit')" "$(bt perf_exit)"
	is "$name: nothing discarded" "$(j '$.discarded.events')/$(j '$.discarded.packets')" "0/0"
	is "$name: arch and page size" "$(j '$.arch') $(j '$.page_size')" "x86_64 4096"
	# The ground truth counted independently: a fault fell back when its
	# thread holds mmap_lock at the fault's minor/major-faults event.
	gt=$(babeltrace2 "$t" | awk '
		{ tid = $0; sub(/.*perf_tid = /, "", tid); sub(/,.*/, "", tid) }
		/exceptions:page_fault_user:/ { inf[tid] = 1; held[tid] = 0; next }
		/mmap_lock_acquire_returned:/ && /success = 1/ { if (inf[tid]) held[tid] = 1; next }
		/mmap_lock_released:/ { held[tid] = 0; next }
		/ (minor|major)-faults:/ { if (inf[tid] && held[tid]) n++; inf[tid] = 0 }
		END { print n + 0 }')
	is "$name: fallbacks = independent count" "$(j '$.faults.fell_back')" "$gt"
	threads=$(babeltrace2 "$t" | grep -o 'exceptions:page_fault_user: .*perf_tid = [0-9]*' |
		sed 's/.*perf_tid = //' | sort -u | wc -l)
	is "$name: threads with faults" \
		"$(sqlite3 :memory: "select count(*) from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.threads')) where json_extract(value, '\$.faults') > 0;")" \
		"$threads"
done

# Fixed numbers from traces/README.md, so a change in both faultline and
# the reference reader cannot pass unnoticed.
check_fixed() {
	local t=$1 want=$2
	run_fl info --format json "$FL_TOP/traces/$t"
	printf '%s\n' "$FL_OUT" >"$FL_TMP/fixed.json"
	local got
	got=$(sqlite3 :memory: "select json_extract(d, '\$.events.fault') || ' ' ||
		json_extract(d, '\$.faults.minor') || ' ' || json_extract(d, '\$.faults.major') || ' ' ||
		json_extract(d, '\$.mm_calls.mmap') || ' ' || json_extract(d, '\$.mm_calls.munmap') || ' ' ||
		json_extract(d, '\$.mm_calls.mprotect') || ' ' || json_extract(d, '\$.mm_calls.mremap') || ' ' ||
		json_extract(d, '\$.mm_calls.brk') || ' ' || json_extract(d, '\$.mm_calls.madvise') || ' ' ||
		json_extract(d, '\$.faults.fell_back') || ' ' || json_array_length(json_extract(d, '\$.threads'))
		from (select readfile('$FL_TMP/fixed.json') as d);")
	is "$t: fault minor major mmap munmap mprotect mremap brk madvise fellback threads" "$got" "$want"
}
check_fixed x86_64/mmchurn "14692 14696 0 859 1649 806 800 3 99 23 4"
check_fixed x86_64/node-gc "20686 20679 10 283 466 809 0 39 286 68 11"

# Text output: the sections a reader looks for.
run_fl info "$FL_TOP/traces/x86_64/mmchurn"
for s in "dialect:    perf-ctf" "processes and threads:" "normalised events:" \
	"fallback ground truth    yes    mmap_lock events present" \
	"VMA extents at start     partly inferred, perf_mmap2 has no length" \
	"discarded:  0 events, 0 packets"; do
	case "$FL_OUT" in *"$s"*) ok "text output shows '$s'" ;;
		*) not_ok "text output shows '$s'" "$FL_OUT" ;; esac
done

for t in $traces; do
	long=$("$FAULTLINE" info "$t" | awk 'length($0) > 80')
	is "${t#"$FL_TOP"/}: text output fits 80 columns" "$long" ""
done

done_testing
