#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record stops cleanly, with a complete and readable trace: on
# SIGINT in the middle of recording a command, on SIGTERM while attached
# to a process (-p), and after --duration.  Needs root and tracefs; without
# them every check is reported as skipped, with the reason.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"SIGINT: record exits 0" "SIGINT: the command was stopped" "SIGINT: info reads the trace"
	"SIGINT: babeltrace2 reads the trace" "SIGINT: nothing lost"
	"-p: record -d 1 exits 0" "-p: vma snapshots with extents" "-p: faults recorded"
	"-p: the snapshot's anonymous sizes (smaps): the stack's pages, none in read-only text"
	"-p: the attached threads have their names"
	"SIGTERM: record -p exits 0" "SIGTERM: info reads the trace"
	"no private lttng-sessiond left behind"
)
need_recording root lttng tracefs -- "${checks[@]}"

# SIGINT in the middle of `record -- CMD`: a long, paced page toucher.
marker="-r 99999 -p 64 -R 20000"
"$FAULTLINE" record -o "$FL_TMP/int" -- "$pt" -t 2 $marker >"$FL_TMP/int.out" 2>"$FL_TMP/int.err" &
rec=$!
child=$(wait_for_command "$pt -t 2 $marker")
sleep 1
kill -INT "$rec"
wait "$rec"
is "SIGINT: record exits 0" "$?" 0
if [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null; then ok "SIGINT: the command was stopped"; else
	not_ok "SIGINT: the command was stopped" "pid '$child' still runs" "$(cat "$FL_TMP/int.err")"
	[ -n "$child" ] && kill -9 "$child"; fi
run_fl info --format json "$FL_TMP/int"
printf '%s\n' "$FL_OUT" >"$FL_TMP/int.json"
if [ "$FL_RC" -eq 0 ] && [ "$(json_get "$FL_TMP/int.json" '$.events.fault')" -gt 100 ]; then
	ok "SIGINT: info reads the trace"
else
	not_ok "SIGINT: info reads the trace" "$FL_ERR" "$(head -c 300 "$FL_TMP/int.json")"
fi
if babeltrace2 --output-format=dummy "$FL_TMP/int" 2>"$FL_TMP/bt.err" && [ ! -s "$FL_TMP/bt.err" ]; then
	ok "SIGINT: babeltrace2 reads the trace"
else
	not_ok "SIGINT: babeltrace2 reads the trace" "$(head -n 5 "$FL_TMP/bt.err")"
fi
is "SIGINT: nothing lost" "$(json_get "$FL_TMP/int.json" '$.events.lost') $(json_get "$FL_TMP/int.json" '$.discarded.events')" "0 0"

# -p with --duration: attach to a running page toucher for one second.
marker="-r 99998 -p 64 -R 20000"
"$pt" -t 2 $marker 2>/dev/null &
target=$!
run_fl record -o "$FL_TMP/att" -d 1 -p "$target"
printf '%s\n' "$FL_ERR" >"$FL_TMP/att.err"
is "-p: record -d 1 exits 0" "$FL_RC" 0
[ "$FL_RC" -eq 0 ] || printf '# %s\n' "$FL_ERR"
run_fl info --format json "$FL_TMP/att"
printf '%s\n' "$FL_OUT" >"$FL_TMP/att.json"
known=$(json_get "$FL_TMP/att.json" '$.vma_snapshot.extent_known')
if [ "${known:-0}" -gt 5 ] && [ "$(json_get "$FL_TMP/att.json" '$.vma_snapshot.extent_inferred')" = 0 ]; then
	ok "-p: vma snapshots with extents"
else
	not_ok "-p: vma snapshots with extents" "$FL_ERR" "known=$known"
fi
# smaps' Anonymous: with each mapping of the same extent: the main thread's
# stack has pages (argv, envp); an executable file mapping never written
# has none; anon_kb is -1 only where it is unknown.
babeltrace2 "$FL_TMP/att" 2>/dev/null | grep 'faultline:vma_snapshot:' | grep 'source = 0' >"$FL_TMP/att.vma"
stack=$(grep 'path = "\[stack\]"' "$FL_TMP/att.vma" | sed -n 's/.*anon_kb = \(-\{0,1\}[0-9]*\).*/\1/p' | head -n 1)
text=$(grep 'perms = "r-xp"' "$FL_TMP/att.vma" | sed -n 's/.*anon_kb = \(-\{0,1\}[0-9]*\).*/\1/p' | sort -u | tr '\n' ' ')
if [ "${stack:-0}" -gt 0 ] && [ "$text" = "0 " ]; then
	ok "-p: the snapshot's anonymous sizes (smaps): the stack's pages, none in read-only text"
else
	not_ok "-p: the snapshot's anonymous sizes (smaps): the stack's pages, none in read-only text" \
		"stack: '$stack' text: '$text'" "$(head -n 3 "$FL_TMP/att.vma")"
fi
faults=$(json_get "$FL_TMP/att.json" '$.events.fault')
if [ "${faults:-0}" -gt 1000 ]; then ok "-p: faults recorded"; else
	not_ok "-p: faults recorded" "faults=$faults"; fi
is "-p: the attached threads have their names" \
	"$(sqlite3 :memory: "select group_concat(distinct json_extract(value, '\$.comm')) from json_each(json_extract(readfile('$FL_TMP/att.json'), '\$.threads'));")" pagetouch

# SIGTERM while attached: the target keeps running.
"$FAULTLINE" record -o "$FL_TMP/term" -p "$target" >"$FL_TMP/term.out" 2>"$FL_TMP/term.err" &
rec=$!
for _ in $(seq 600); do
	[ -e "$FL_TMP/term/metadata" ] || [ -d "$FL_TMP/term/ust" ] && break
	sleep 0.1
done
sleep 1
kill -TERM "$rec"
wait "$rec"
is "SIGTERM: record -p exits 0" "$?" 0
run_fl info "$FL_TMP/term"
is "SIGTERM: info reads the trace" "$FL_RC" 0
kill "$target" 2>/dev/null
wait "$target" 2>/dev/null

# Each daemon these recorders started (they say so) is gone, unless its
# recorder left it to another recording that uses it, as it says: another
# suite on the machine may record at the same time, so the machine's other
# daemons are not this test's to count.
alive=
for p in $(sed -n 's/.*started a private lttng-sessiond (pid \([0-9]*\)).*/\1/p' "$FL_TMP"/*.err); do
	grep -q "left the lttng-sessiond it started (pid $p)" "$FL_TMP"/*.err && continue
	kill -0 "$p" 2>/dev/null && alive+=" $p"
done
is "no private lttng-sessiond left behind" "${alive# }" ""

done_testing
