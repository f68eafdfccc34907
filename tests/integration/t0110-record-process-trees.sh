#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# Real process trees, recorded live with both recorders (faultline record,
# scripts/capture-perf-trace) and replayed with pervma: a shell launcher
# that execs python3, which forks a multiprocessing pool and starts threads;
# a program that re-execs itself, forks workers with a dozen threads each
# and starts helpers with posix_spawn() and vfork(); `record -p` attached to
# a running multi-threaded process; `record -a` for two seconds while a
# process tree runs.  Every process's address space must be
# known from its first event: no fault the kernel handled in a VMA may come
# out as "no VMA" (at most 0.1% of the faults; 1% for -p and -a, whose
# layouts are /proc reads racing their threads; -p traces faults only once
# its layout is read, so none of its faults is unplaced), and the fallbacks
# predicted must match the kernel's own (pooled over the programs launched
# under faultline record, precision and recall at least 90% here; every
# recording's figures are printed).  A recording that lost events
# must say so in replay, report, --fidelity and the TUI, and store what it
# lost.  Needs root and tracefs; every check says why when it skips.
. "$FL_TOP/tests/lib.sh"

W=$FL_BUILD/tests/workloads
py=/usr/bin/python3
kinds=(launcher-faultline launcher-perf proctree-faultline proctree-perf attach-faultline
	system-faultline)
checks=()
for k in "${kinds[@]}"; do
	checks+=("$k: recorded and replayed" "$k: no fault the kernel placed is 'no VMA'")
done
checks+=("pooled precision and recall at least 90%"
	"-p: no fault unplaced (its faults are traced from after its layout)"
	"the exec'd image's mappings are in the trace (exec_mm)"
	"vfork and posix_spawn helpers: faults in their own pids, placed"
	"lossy recording: replay warns on stderr" "lossy recording: traces.lost_events is the recorder's count"
	"lossy recording: losses rows per CPU with times" "lossy recording: report warns"
	"lossy recording: --fidelity leaves the faults after the loss out"
	"lossy recording: the TUI shows it")
need_recording root lttng perf "$py" tracefs -- "${checks[@]}"

# The rings are made large enough to hold a whole recording of these
# programs (32 MiB per CPU; proctree's is about 25 MB), so that a reader
# kept off the CPU by other work loses nothing: with 8 MiB, most recordings
# under two parallel builds lost records.  Loss is its own check below, and
# a lossy recording leaves the faults from its first loss on out of the
# comparison ('after loss'), including a loss no PERF_RECORD_LOST reported.
rec_fl() { "$FAULTLINE" record -q -m 8192 -o "$@"; }
# Wait (up to 5 s) until process $1 runs at least $2 threads.
wait_threads() {
	for _ in $(seq 100); do
		[ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.05
	done
}
cmd_of() {
	case $1 in
	launcher) echo "$FL_TOP/tests/workloads/launch.sh $py $FL_TOP/tests/workloads/pyfork.py" ;;
	proctree) echo "$W/proctree -x -s -w 3 -t 12 -i 40" ;;
	esac
}

# Under valgrind (make valgrind) the replays of these six recordings take
# many minutes; replay runs under valgrind on the bundled process trees
# (fl-proctree, fl-forkwalk) in t0100-record-traces already, and the lossy
# recording below still runs here.
if [ "${FL_VALGRIND:-0}" = 1 ]; then
	for c in "${checks[@]:0:16}"; do skip "$c" "their replays are long under valgrind; make check runs them"; done
else
	tp_all=0 fp_all=0 fn_all=0
	for k in "${kinds[@]}"; do
		d=$FL_TMP/$k
		case $k in
		*-perf) "$FL_TOP/scripts/capture-perf-trace" -m 4096 "$d" -- $(cmd_of "${k%-perf}") >"$d.log" 2>&1 ;;
		attach-faultline)
			"$W/proctree" -w 0 -t 16 -i 100000000 2>/dev/null &
			p=$!
			# Attach once its threads run: the process has mapped their stacks.
			wait_threads "$p" 17
			rec_fl "$d" -d 1 -p "$p" >"$d.log" 2>&1
			kill "$p"; wait "$p" 2>/dev/null
			;;
		system-faultline)
			# -a: every process, the tree's included, from a /proc
			# snapshot of each (or its creation, for the helpers).
			"$W/proctree" -s -w 2 -t 8 -i 100000000 2>/dev/null &
			p=$!
			wait_threads "$p" 9
			rec_fl "$d" -d 2 -a >"$d.log" 2>&1
			pkill -P "$p"; kill "$p"; wait "$p" 2>/dev/null
			;;
		*) rec_fl "$d" -- $(cmd_of "${k%-faultline}") >"$d.log" 2>&1 ;;
		esac
		if [ ! -d "$d" ] || ! "$FAULTLINE" replay -s pervma -o "$d.db" "$d" >"$d.replay" 2>&1 ||
		   ! "$FAULTLINE" report --fidelity --format json "$d.db" >"$d.json" 2>"$d.err"; then
			not_ok "$k: recorded and replayed" "$(tail -n 5 "$d.log" "$d.replay" "$d.err" 2>/dev/null)"
			not_ok "$k: no fault the kernel placed is 'no VMA'" "no replay"
			continue
		fi
		ok "$k: recorded and replayed"
		n=$(json_get "$d.json" '$.trace_faults')
		tp=$(json_get "$d.json" '$.tp') fp=$(json_get "$d.json" '$.fp') fn=$(json_get "$d.json" '$.fn')
		# An attached process's layout is a /proc read racing its threads
		# (-p, -a): its figures are printed, not pooled, and it is allowed
		# 1% 'no VMA'.
		# perf-ctf traces carry no mapping extents: their figures are
		# printed (with perf's own loss line), and the pooled check is over
		# the faultline recorder's launched programs.  Faults from a loss
		# on have no ground truth ('after loss'), so they count in neither.
		limit=1000
		case $k in
		attach-faultline | system-faultline) limit=100 ;;
		*-perf) echo "# $k: $(grep -h 'lost\|LOST' "$d.log" | head -n 2 | tr '\n' ' ')" ;;
		esac
		novma=$(sqlite3 "$d.db" "select count(*) from outcomes o join runs r using (run_id)
			join faults f on f.trace_id = r.trace_id and f.fault_id = o.fault_id
			where o.reason = 'no VMA' and f.gt = 'vma'")
		case $k in
		attach-faultline | system-faultline | *-perf) ;;
		*) tp_all=$((tp_all + tp)) fp_all=$((fp_all + fp)) fn_all=$((fn_all + fn)) ;;
		esac
		[ "$novma" -gt 0 ] && echo "# $k: 'no VMA' per pid, tid, first address: $(sqlite3 "$d.db" \
			"select f.pid || '/' || f.tid || ' ' || count(*) || ' from ' || printf('0x%x', min(f.address))
			 from outcomes o join faults f on f.trace_id = 1 and f.fault_id = o.fault_id
			 where o.run_id = 1 and o.reason = 'no VMA' and f.gt = 'vma' group by f.pid, f.tid" | tr '\n' ' ')"
		echo "# $k: $n faults, TP $tp FP $fp FN $fn, 'no VMA' where the kernel found one: $novma"
		if [ "$n" -gt 0 ] && [ $((novma * limit)) -le "$n" ]; then
			ok "$k: no fault the kernel placed is 'no VMA'"
		else
			not_ok "$k: no fault the kernel placed is 'no VMA'" "$novma of $n faults" \
				"$("$FAULTLINE" report --fidelity "$d.db" | sed -n '/disagreements/,+12p')"
		fi
	done
	prec=$(( tp_all + fp_all ? 1000 * tp_all / (tp_all + fp_all) : 1000 ))
	rec=$(( tp_all + fn_all ? 1000 * tp_all / (tp_all + fn_all) : 1000 ))
	echo "# pooled: TP $tp_all FP $fp_all FN $fn_all, precision $prec/1000, recall $rec/1000"
	if [ "$tp_all" -gt 0 ] && [ "$prec" -ge 900 ] && [ "$rec" -ge 900 ]; then
		ok "pooled precision and recall at least 90%"
	else
		not_ok "pooled precision and recall at least 90%" "TP $tp_all FP $fp_all FN $fn_all"
	fi

	# -p: the layout is read before the fault events are enabled, so
	# every fault comes after it (none "unplaced: no VMA known").
	d=$FL_TMP/attach-faultline
	unplaced=$(sqlite3 "$d.db" "select count(*) from outcomes where reason like 'unplaced%'" 2>&1)
	if [ "$(sqlite3 "$d.db" "select count(*) from faults" 2>/dev/null)" -gt 0 ] && [ "$unplaced" = 0 ]; then
		ok "-p: no fault unplaced (its faults are traced from after its layout)"
	else
		not_ok "-p: no fault unplaced (its faults are traced from after its layout)" \
			"unplaced: $unplaced" "$(grep -h placement "$d.replay")"
	fi

	# The launcher's second image (python3) is known from its exec on.
	d=$FL_TMP/launcher-faultline
	if babeltrace2 "$d" 2>/dev/null | grep -q 'kind = 5, .*comm = "python3'; then
		ok "the exec'd image's mappings are in the trace (exec_mm)"
	else
		not_ok "the exec'd image's mappings are in the trace (exec_mm)" "no exec_mm task event for python3"
	fi
	# proctree -s: its two helpers run `proctree -w 0 -t 2 -i 10` in pids of
	# their own; each faults, and every fault is placed.
	d=$FL_TMP/proctree-faultline
	helpers=$(sqlite3 "$d.db" "select count(*) from (select f.pid, sum(o.reason like '%no VMA%' and f.gt = 'vma') bad
		from faults f join outcomes o on o.run_id = 1 and o.fault_id = f.fault_id group by f.pid)
		where bad = 0")
	procs=$(sqlite3 "$d.db" "select count(distinct pid) from faults")
	# the main process, 3 workers, 2 helpers: 6 processes, each with every fault placed
	if [ "$procs" -ge 6 ] && [ "$helpers" -eq "$procs" ]; then
		ok "vfork and posix_spawn helpers: faults in their own pids, placed"
	else
		not_ok "vfork and posix_spawn helpers: faults in their own pids, placed" \
			"$procs processes with faults, $helpers with every fault placed"
	fi

fi

# A lossy recording: a ring of one page cannot keep up.
d=$FL_TMP/lossy
# Recorded by the binary itself even under valgrind: what is checked here
# is how replay, report and the TUI read a lossy trace.
"$FL_BUILD/faultline" record -q -m 1 -o "$d" -- "$W/proctree" -w 1 -t 4 -i 20 >"$d.log" 2>&1
lost=$(sed -n 's/.*lost: \([0-9]*\) perf records.*/\1/p' "$d.log")
run_fl replay -s pervma -o "$d.db" "$d"
if [ "${lost:-0}" -gt 0 ] && printf '%s\n' "$FL_ERR" | grep -q "warning: .* lost events: $lost perf records"; then
	ok "lossy recording: replay warns on stderr"
else
	not_ok "lossy recording: replay warns on stderr" "recorder lost '${lost}'" "$FL_ERR"
fi
is "lossy recording: traces.lost_events is the recorder's count" \
	"$(sqlite3 "$d.db" 'select lost_events, lost_records from traces')" "$lost|$lost"
is "lossy recording: losses rows per CPU with times" \
	"$(sqlite3 "$d.db" "select sum(count) = $lost and min(t_begin) > 0 and min(t_end) >= min(t_begin)
		and count(distinct cpu) >= 1 from losses where what = 'perf records'")" 1
run_fl report "$d.db"
if printf '%s\n' "$FL_OUT" | grep -q "warning:   the trace lost events ($lost perf records lost"; then
	ok "lossy recording: report warns"
else
	not_ok "lossy recording: report warns" "$FL_OUT"
fi
run_fl report --fidelity --format json "$d.db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/lossy.json"
after=$(sqlite3 "$d.db" "select count(*) from faults where gt_detail = 'after loss'")
all=$(sqlite3 "$d.db" "select count(*) from faults")
is "lossy recording: --fidelity leaves the faults after the loss out" \
	"$(json_get "$FL_TMP/lossy.json" '$.compared') $([ "$after" -gt 0 ] && echo marked)" \
	"$((all - after)) marked"
. "$FL_TOP/tui/tmux-lib.sh"
if ! tui_have_tmux; then
	skip "lossy recording: the TUI shows it" "tmux is not installed (scripts/install-deps installs it)"
else
	tui_start 200 30 -- tui "$d.db"
	tui_expect "lossy recording: the TUI shows it" "! trace lost events ($lost perf records lost"
	tui_stop
fi
done_testing
