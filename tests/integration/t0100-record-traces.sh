#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline info on the bundled traces that `faultline record` wrote
# (traces/x86_64/fl-*, traces/ppc64le/fl-*): its counts must agree with babeltrace2's reading of
# the same trace and with the counts in traces/README.md.  No root needed.
. "$FL_TOP/tests/lib.sh"

traces=$(find "$FL_TOP/traces" -name 'faultline_0' -printf '%h\n' | sort)
[ -n "$traces" ] || not_ok "traces/ holds faultline traces" "no faultline_0 file under traces/"

for t in $traces; do
	name=${t#"$FL_TOP"/}
	run_fl info --format json "$t"
	if [ "$FL_RC" -ne 0 ]; then
		not_ok "$name: info succeeds" "$FL_ERR"
		continue
	fi
	ok "$name: info succeeds"
	printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
	j() { json_get "$FL_TMP/info.json" "$1"; }
	babeltrace2 "$t" | sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ ([^:]+:[^:]+):.*/\1/' |
		sort | uniq -c | awk '{print $2, $1}' >"$FL_TMP/bt.counts"
	bt() { awk -v n="faultline:$1" '$1 == n {print $2; f=1} END {if (!f) print 0}' "$FL_TMP/bt.counts"; }

	is "$name: dialect" "$(j '$.dialect')" faultline
	is "$name: CTF events read = babeltrace2's" "$(j '$.ctf_events')" \
		"$(awk '{s += $2} END {print s}' "$FL_TMP/bt.counts")"
	is "$name: faults" "$(j '$.events.fault')" "$(bt fault)"
	is "$name: fault ends" "$(j '$.events.fault_end')" "$(bt fault_end)"
	is "$name: mm calls = exits" "$(j '$.events.mm_call')" "$(bt mm_call_exit)"
	is "$name: mmap_lock" "$(j '$.events.mmap_lock')" "$(bt mmap_lock)"
	is "$name: vma snapshots, all with extents" "$(j '$.vma_snapshot.extent_known') $(j '$.vma_snapshot.extent_inferred')" "$(bt vma_snapshot) 0"
	is "$name: tasks" "$(j '$.events.task')" "$(bt task)"
	is "$name: nothing lost" "$(j '$.events.lost') $(j '$.discarded.events') $(j '$.discarded.packets')" "0 0 0"
	is "$name: every mm call paired" "$(j '$.mm_calls.unpaired_enter')/$(j '$.mm_calls.unpaired_exit')" "0/0"
	case $name in
	traces/ppc64le/*) want_arch="ppc64le 65536" ;;	# the lab's 64K kernels
	*) want_arch="x86_64 4096" ;;
	esac
	is "$name: arch and page size" "$(j '$.arch') $(j '$.page_size')" "$want_arch"
	long=$("$FAULTLINE" info "$t" | awk 'length($0) > 80')
	is "$name: text output fits 80 columns" "$long" ""
done

# Fixed numbers from traces/README.md.
check_fixed() {
	local t=$1 want=$2 got
	run_fl info --format json "$FL_TOP/traces/$t"
	printf '%s\n' "$FL_OUT" >"$FL_TMP/fixed.json"
	got=$(sqlite3 :memory: "select json_extract(d, '\$.events.fault') || ' ' ||
		json_extract(d, '\$.faults.minor') || ' ' || json_extract(d, '\$.faults.major') || ' ' ||
		json_extract(d, '\$.mm_calls.mmap') || ' ' || json_extract(d, '\$.mm_calls.munmap') || ' ' ||
		json_extract(d, '\$.mm_calls.mprotect') || ' ' || json_extract(d, '\$.mm_calls.mremap') || ' ' ||
		json_extract(d, '\$.mm_calls.brk') || ' ' || json_extract(d, '\$.mm_calls.madvise') || ' ' ||
		json_extract(d, '\$.faults.fell_back') || ' ' || json_array_length(json_extract(d, '\$.threads'))
		from (select readfile('$FL_TMP/fixed.json') as d);")
	is "$t: fault minor major mmap munmap mprotect mremap brk madvise fellback threads" "$got" "$want"
}
check_fixed x86_64/fl-mmchurn "14692 14696 0 859 1649 806 800 3 99 29 4"
check_fixed x86_64/fl-node-gc "22402 22395 10 284 455 792 0 28 285 32 11"
check_fixed x86_64/fl-proctree "14017 14042 0 222 175 201 0 22 226 8 21"
check_fixed x86_64/fl-forkwalk "14436 14560 0 43 1 34 0 3 38 31 24"
check_fixed x86_64/fl-allocs-tcmalloc "13684 13692 0 54 4 17 0 52 6 27 7"
check_fixed ppc64le/fl-xz-64k-hash "538 538 0 23 3 11 0 6 0 7 4"
check_fixed ppc64le/fl-make-j2-64k-radix "3762 3762 0 203 9 128 0 174 0 73 20"

# The process tree: every process's faults are placed (the launcher's second
# and third images, the workers, the spawned and vforked helpers).
run_fl replay -s pervma -o "$FL_TMP/pt.db" "$FL_TOP/traces/x86_64/fl-proctree"
is "fl-proctree: replay" "$FL_RC" 0
is "fl-proctree: processes, and faults outside a known VMA" \
	"$(sqlite3 "$FL_TMP/pt.db" "select count(distinct f.pid), sum(o.reason like '%no VMA%')
		from faults f join outcomes o on o.run_id = 1 and o.fault_id = f.fault_id")" "5|0"
"$FAULTLINE" report --fidelity --format json "$FL_TMP/pt.db" >"$FL_TMP/pt.json"
is "fl-proctree: pervma's fallbacks are the kernel's (TP/FP/FN)" \
	"$(json_get "$FL_TMP/pt.json" '$.tp')/$(json_get "$FL_TMP/pt.json" '$.fp')/$(json_get "$FL_TMP/pt.json" '$.fn')" "8/0/0"

# A process that forks: dup_mmap() write-locks the parent's VMAs in
# address order, so its threads' faults on the VMAs the copy has reached
# fall back.  The replay names the fork as their writer.
run_fl replay -s pervma -o "$FL_TMP/fw.db" "$FL_TOP/traces/x86_64/fl-forkwalk"
is "fl-forkwalk: replay" "$FL_RC" 0
is "fl-forkwalk: its 20 forks are writers" \
	"$(sqlite3 "$FL_TMP/fw.db" "select count(*) from writers where call = 'fork'")" 20
"$FAULTLINE" report --fidelity --format json "$FL_TMP/fw.db" >"$FL_TMP/fw.json"
is "fl-forkwalk: pervma's fallbacks against the kernel's (TP/FP/FN)" \
	"$(json_get "$FL_TMP/fw.json" '$.tp')/$(json_get "$FL_TMP/fw.json" '$.fp')/$(json_get "$FL_TMP/fw.json" '$.fn')" "26/16/5"

# An allocator growing its heap by brk and mapping spans while the other
# threads fault on them: brk write-locks the heap only part-way through
# its hold, and a fault stamped just before a release finds its VMA free.
# Of its 27 fallbacks 23 are behind a brk, 4 file faults with no map_pages.
run_fl replay -s pervma -o "$FL_TMP/al.db" "$FL_TOP/traces/x86_64/fl-allocs-tcmalloc"
is "fl-allocs-tcmalloc: replay" "$FL_RC" 0
"$FAULTLINE" report --fidelity --format json "$FL_TMP/al.db" >"$FL_TMP/al.json"
is "fl-allocs-tcmalloc: pervma's fallbacks against the kernel's (TP/FP/FN)" \
	"$(json_get "$FL_TMP/al.json" '$.tp')/$(json_get "$FL_TMP/al.json" '$.fp')/$(json_get "$FL_TMP/al.json" '$.fn')" "27/0/0"
is "fl-allocs-tcmalloc: brk is the writer of some" \
	"$(sqlite3 "$FL_TMP/al.db" "select count(*) > 0 from outcome_rows o join writers w on w.writer_id = o.writer_id
		where o.run_id = 1 and o.fell_back = 1 and w.call = 'brk'")" 1

done_testing
