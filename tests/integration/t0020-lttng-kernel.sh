#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# The lttng-kernel dialect.  lttng-modules (LTTng's kernel tracer) cannot be
# installed on these machines, so this test does not read a recorded
# lttng-modules trace: it reads fixtures that tests/tools/mkfixture-lttng-kernel
# writes through libbabeltrace2's own API (sink.ctf.fs) with lttng-modules'
# event names, fields and contexts.  The expected numbers are the fixture's
# documented content (see the comment at the top of that tool).
. "$FL_TOP/tests/lib.sh"

mk=$FL_BUILD/tests/tools/mkfixture-lttng-kernel
if ! "$mk" "$FL_TMP/default" >"$FL_TMP/mk.log" 2>&1; then
	not_ok "fixture generator writes the default scenario" "$(cat "$FL_TMP/mk.log")"
	done_testing; exit
fi
ok "fixture generator writes the default scenario"

run_fl info --format json "$FL_TMP/default"
is "info on the lttng fixture exits 0" "$FL_RC" 0
printf '%s\n' "$FL_OUT" >"$FL_TMP/i.json"
j() { json_get "$FL_TMP/i.json" "$1"; }
is "dialect is lttng-kernel" "$(j '$.dialect')" "lttng-kernel"
is "arch from the x86_exceptions_ events" "$(j '$.arch') $(j '$.page_size')" "x86_64 4096"
is "host and kernel from the environment" "$(j '$.hostname') $(j '$.kernel_release')" \
	"fixture-host 5.15.0-91-generic"
is "CTF events read" "$(j '$.ctf_events')" 43
is "12 faults" "$(j '$.events.fault')" 12
is "fault access mix: read write exec protection" \
	"$(j '$.faults.read') $(j '$.faults.write') $(j '$.faults.exec') $(j '$.faults.protection')" "3 8 1 2"
is "no fault ends in this dialect" "$(j '$.events.fault_end')" 0
is "mm calls by kind" \
	"$(j '$.mm_calls.mmap') $(j '$.mm_calls.munmap') $(j '$.mm_calls.mprotect') $(j '$.mm_calls.mremap') $(j '$.mm_calls.brk') $(j '$.mm_calls.madvise')" \
	"3 2 2 1 1 2"
is "every entry paired with its exit" "$(j '$.mm_calls.unpaired_enter')/$(j '$.mm_calls.unpaired_exit')" "0/0"
is "fork, thread clone, exec, exit" \
	"$(j '$.tasks.fork') $(j '$.tasks.clone_thread') $(j '$.tasks.exec') $(j '$.tasks.exit')" "1 1 1 1"
is "discarded events carried through" "$(j '$.discarded.events')" 5
is "one lost event record" "$(j '$.events.lost')" 1
is "threads: pid/tid/comm/faults" \
	"$(sqlite3 :memory: "select group_concat(json_extract(value,'\$.pid')||'/'||json_extract(value,'\$.tid')||'/'||json_extract(value,'\$.comm')||'/'||json_extract(value,'\$.faults'), ' ') from json_each(json_extract(readfile('$FL_TMP/i.json'), '\$.threads'));")" \
	"1000/1000/fixture/8 1000/1001/fixture/3 1002/1002/true/1"
is "no ground truth without mmap_lock events" \
	"$(sqlite3 :memory: "select json_extract(value,'\$.support') from json_each(json_extract(readfile('$FL_TMP/i.json'), '\$.supports')) where json_extract(value,'\$.what') = 'fallback ground truth';")" \
	"no"

run_fl info "$FL_TMP/default"
case "$FL_OUT" in *"discarded:  5 events, 0 packets"*) ok "text output shows the discarded events" ;;
	*) not_ok "text output shows the discarded events" "$FL_OUT" ;; esac
case "$FL_OUT" in *"complete                 no     the tracer discarded events"*)
	ok "text output says the trace is not complete" ;;
	*) not_ok "text output says the trace is not complete" "$FL_OUT" ;; esac

# A scenario with only sched_switch: none of the needed events.
"$mk" --scenario empty-of-needed "$FL_TMP/empty" >/dev/null 2>&1
expect_fail "trace with none of the needed events: clear error, exit 1" 1 \
	"none of the events faultline needs" info "$FL_TMP/empty"
expect_fail "... and the hint names the lttng commands that record them" 1 \
	"hint: record with: lttng enable-event -k x86_exceptions_page_fault_user" info "$FL_TMP/empty"

done_testing
