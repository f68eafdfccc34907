#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record on a program whose faults and mm calls are known
# (tests/workloads/pagetouch.c): every page it touches must be a fault of
# the touching thread, every mm call it makes must be there with its
# arguments and return value, nothing may be lost, events must be in
# kernel-time order, the files owner-only, and `faultline info` must read
# the trace.  The scheduler's events must be there, and only the workload
# threads' own: their switches, and the wakings they do.  Recording needs root and tracefs: without them every check
# is reported as skipped, with the reason.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"record exits 0" "recorder reports 0 lost" "trace files are owner-only"
	"info reads the trace" "info: dialect faultline" "info: arch and page size"
	"info: nothing lost or discarded" "info: every mm call paired"
	"info: the 4 workers, each with its faults" "header event names the sources"
	"every touched page is a write fault of its thread"
	"every mm call is there with its arguments and return value"
	"events are in kernel-time order" "vma snapshots from exec have extents"
	"babeltrace2 reads the trace"
	"header names the scheduler sources"
	"sched: switches and wakings, all of the workload's threads"
	"sched: the main thread sleeps in pthread_join (a switch in S)"
	"sched: a pipe's writer wakes its reader, in another process of the target"
	"sched: no waking done by another task"
	"info: the sched line counts what the trace holds"
)
need_recording root lttng tracefs -- "${checks[@]}"

t=$FL_TMP/trace
"$FAULTLINE" record -o "$t" -- "$pt" -t 4 -r 3 -p 256 -l "$FL_TMP/list" >"$FL_TMP/rec.out" 2>"$FL_TMP/rec.err"
rc=$?
is "record exits 0" "$rc" 0
if grep -q 'lost: 0 perf records, 0 LTTng events discarded, 0 LTTng packets lost' "$FL_TMP/rec.err"; then
	ok "recorder reports 0 lost"
else
	not_ok "recorder reports 0 lost" "$(cat "$FL_TMP/rec.err")"
fi
is "trace files are owner-only" "$(find "$t" -perm /077 | head -n 3)" ""

run_fl info --format json "$t"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
is "info reads the trace" "$FL_RC" 0
j() { json_get "$FL_TMP/info.json" "$1"; }
is "info: dialect faultline" "$(j '$.dialect')" faultline
is "info: arch and page size" "$(j '$.arch') $(j '$.page_size')" "$(uname -m) $(getconf PAGESIZE)"
is "info: nothing lost or discarded" "$(j '$.events.lost') $(j '$.discarded.events') $(j '$.discarded.packets')" "0 0 0"
is "info: every mm call paired" "$(j '$.mm_calls.unpaired_enter')/$(j '$.mm_calls.unpaired_exit')" "0/0"
# The workers' tids, from the program's own list, each with at least its
# 3 x 256 page touches.  (An ASan build adds a task of its own at exit.)
tids=$(sed -n 's/^touch tid=\([0-9]*\) .*/\1/p' "$FL_TMP/list" | sort -u | paste -sd, -)
is "info: the 4 workers, each with its faults" \
	"$(sqlite3 :memory: "select count(*) from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.threads')) where json_extract(value, '\$.tid') in ($tids) and json_extract(value, '\$.faults') >= 768;")" 4

babeltrace2 "$t" >"$FL_TMP/bt.txt" 2>"$FL_TMP/bt.err"
bt_rc=$?
if grep -q 'faultline:header: .*sources = "exceptions:page_fault_user,minor-faults' "$FL_TMP/bt.txt"; then
	ok "header event names the sources"
else
	not_ok "header event names the sources" "$(grep header "$FL_TMP/bt.txt" | head -n 2)"
fi

# The trace, in the workload's list format.
awk '
function get(k,   s) {
	if (!match($0, " " k " = [^,}]*")) return ""
	s = substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 4)
	gsub(/ /, "", s)
	return tolower(s)
}
BEGIN { split("mmap munmap mprotect mremap brk madvise", name, " ") }
$4 == "faultline:fault:" {
	a = get("address"); acc = get("access")
	# access bit 1 is write (schemas/faultline-events.md)
	if (index("2367abef", substr(acc, length(acc), 1)))
		print "touch tid=" get("tid") " page=" substr(a, 1, length(a) - 3) "000"
}
$4 == "faultline:mm_call_enter:" {
	n = get("nargs"); s = "call tid=" get("tid") " " name[get("call") + 1]
	for (i = 0; i < n; i++) {
		match($0, "\\[" i "\\] = [^], ]*"); v = substr($0, RSTART, RLENGTH); sub(/.* = /, "", v)
		s = s " " tolower(v)
	}
	pending[get("tid")] = s
}
$4 == "faultline:mm_call_exit:" {
	print pending[get("tid")] " ret=" get("ret")
}' "$FL_TMP/bt.txt" | sort -u >"$FL_TMP/got"
# babeltrace2 prints hex fields in upper case; the list is lower case.
grep '^touch' "$FL_TMP/list" | sort -u >"$FL_TMP/want.touch"
grep '^call' "$FL_TMP/list" | sort -u >"$FL_TMP/want.call"
missing=$(comm -23 "$FL_TMP/want.touch" "$FL_TMP/got" | head -n 5)
is "every touched page is a write fault of its thread" "$missing" ""
missing=$(comm -23 "$FL_TMP/want.call" "$FL_TMP/got" | head -n 5)
is "every mm call is there with its arguments and return value" "$missing" ""

order=$(awk '{ if (match($0, /ktime = [0-9]+/)) { k = substr($0, RSTART + 8, RLENGTH - 8) + 0;
	if (k < last) { print NR ": " $0; exit } last = k } }' "$FL_TMP/bt.txt")
is "events are in kernel-time order" "$order" ""
no_extent=$(grep 'faultline:vma_snapshot' "$FL_TMP/bt.txt" | grep -c 'end = 0x0,')
nvma=$(grep -c 'faultline:vma_snapshot' "$FL_TMP/bt.txt")
if [ "$nvma" -gt 0 ] && [ "$no_extent" -eq 0 ]; then ok "vma snapshots from exec have extents"; else
	not_ok "vma snapshots from exec have extents" "$nvma snapshots, $no_extent without an end"; fi
if [ "$bt_rc" -eq 0 ] && [ ! -s "$FL_TMP/bt.err" ]; then ok "babeltrace2 reads the trace"; else
	not_ok "babeltrace2 reads the trace" "$(head -n 5 "$FL_TMP/bt.err")"; fi

# The scheduler's events: only the recorded threads' own switches and the
# wakings they do (schemas/faultline-events.md).
if grep -q 'faultline:header: .*sources = ".*,sched:sched_switch,sched:sched_waking' "$FL_TMP/bt.txt"; then
	ok "header names the scheduler sources"
else
	not_ok "header names the scheduler sources" "$(grep header "$FL_TMP/bt.txt" | head -n 2)"
fi
pid=$(sqlite3 :memory: "select json_extract(value, '\$.pid') from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.threads')) where json_extract(value, '\$.tid') in ($tids) limit 1;")
# One line per sched event: kind tid pid other prev_state.
awk '
function get(k,   s) {
	if (!match($0, " " k " = [^,}]*")) return ""
	s = substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 4)
	gsub(/ /, "", s)
	return tolower(s)
}
$4 == "faultline:sched_switch:" { print "switch", get("tid"), get("pid"), get("next_pid"), get("prev_state") }
$4 == "faultline:sched_waking:" { print "waking", get("tid"), get("pid"), get("woken_tid"), "-" }
' "$FL_TMP/bt.txt" >"$FL_TMP/sched"
nsw=$(grep -c '^switch' "$FL_TMP/sched") nwk=$(grep -c '^waking' "$FL_TMP/sched")
# Every sched event's thread is one the trace knows from its other events:
# the main thread, the workers, or a task the C library or ASan started
# (LeakSanitizer forks a task of its own at exit).
known=$(sqlite3 :memory: "select ',' || group_concat(json_extract(value, '\$.tid')) || ',' from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.threads'));")
foreign=$(awk -v known="$known" 'index(known, "," $2 ",") == 0' "$FL_TMP/sched" | head -n 3)
if [ "$nsw" -gt 0 ] && [ "$nwk" -gt 0 ] && [ -z "$foreign" ]; then
	ok "sched: switches and wakings, all of the workload's threads"
else
	not_ok "sched: switches and wakings, all of the workload's threads" \
		"$nsw switches, $nwk wakings; not the workload's:" "$foreign"
fi
if awk -v pid="$pid" '$1 == "switch" && $2 == pid && $5 == "0x1" { f = 1 } END { exit !f }' "$FL_TMP/sched"; then
	ok "sched: the main thread sleeps in pthread_join (a switch in S)"
else
	not_ok "sched: the main thread sleeps in pthread_join (a switch in S)" "$(grep "^switch $pid " "$FL_TMP/sched" | head -n 5)"
fi
# A waking done by one process of the target to another: the subshell's
# write to the pipe wakes cat, asleep in read() meanwhile.  (Not a
# thread's exit waking its joiner: the kernel has taken the exiting
# thread's perf events off by then.)
"$FAULTLINE" record -q -o "$FL_TMP/pipe" -- sh -c '(sleep 0.2; echo x) | cat >/dev/null' 2>"$FL_TMP/pipe.err"
babeltrace2 "$FL_TMP/pipe" 2>/dev/null | awk '
function get(k,   s) {
	if (!match($0, " " k " = [^,}]*")) return ""
	s = substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 4)
	gsub(/ /, "", s)
	return s
}
$4 == "faultline:task:" && get("kind") == 2 && get("filename") ~ /\/cat"$/ { cat = get("tid") }
$4 == "faultline:sched_waking:" { w[++n] = get("pid") " " get("tid") " " get("woken_tid") }
END { for (i = 1; i <= n; i++) { split(w[i], f, " "); if (cat != "" && f[3] == cat && f[1] != cat) print "found" } }
' >"$FL_TMP/pipe.found"
if grep -q found "$FL_TMP/pipe.found"; then
	ok "sched: a pipe's writer wakes its reader, in another process of the target"
else
	not_ok "sched: a pipe's writer wakes its reader, in another process of the target" "$(cat "$FL_TMP/pipe.err")" \
		"$(babeltrace2 "$FL_TMP/pipe" 2>&1 | grep -E 'sched_waking|faultline:task' | head -n 20)"
fi
# The waker is always a recorded thread (the idle task, tid 0, and other
# tasks never appear), though the woken may be anyone.
is "sched: no waking done by another task" \
	"$(awk -v a="$known" '$1 == "waking" && ($2 == 0 || index(a, "," $2 ",") == 0)' "$FL_TMP/sched" | head -n 3)" ""
info_sched=$("$FAULTLINE" info "$t" | sed -n 's/^  sched  *\([0-9]*\)  (switch \([0-9]*\), waking \([0-9]*\))$/\1 \2 \3/p')
is "info: the sched line counts what the trace holds" "$info_sched $(j '$.events.sched')" \
	"$((nsw + nwk)) $nsw $nwk $((nsw + nwk))"

done_testing
