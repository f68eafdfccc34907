#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline replay --live: a workload recorded as a live session through an
# LTTng relay daemon on 127.0.0.1 (started here, on ports of its own) and
# followed by two live replays: one to the session's end, whose database
# shows the run growing and ends with the same outcomes as a plain replay
# of the relay daemon's copy on disk; one interrupted (SIGINT), whose run
# is kept, consistent and marked cut short.  Recording needs root, tracefs
# and lttng-relayd: without them those checks are reported as skipped.
. "$FL_TOP/tests/lib.sh"

expect_fail "--live takes a live URL" 2 'net://HOST' replay --live -o "$FL_TMP/x.db" "$FL_TMP"
expect_fail "--live wants /host/HOSTNAME/SESSION" 2 'host/HOSTNAME' replay --live \
	-o "$FL_TMP/x.db" net://127.0.0.1
expect_fail "a live URL without --live is refused" 2 'with --live' replay -o "$FL_TMP/x.db" \
	net://127.0.0.1/host/h/s
expect_fail "--batch-faults goes with --live" 2 'go with --live' replay --batch-faults 10 \
	-o "$FL_TMP/x.db" "$FL_TOP/traces/x86_64/mmchurn"
expect_fail "record --live needs --url" 2 'needs --url' record --live -- true

run_fl help replay
contains "replay --help tells of --live" "$FL_OUT" '^ +--live +TRACE is an LTTng live session'
# The bash completion knows --live, and offers a URL after it.
is "completion: replay --li" "$(complete_words replay --li)" "--live"
is "completion: record --li" "$(complete_words record --li)" "--live"
is "completion: a URL after replay --live" "$(complete_words replay --live n)" "net6:// net://"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"replay --live attaches to the session" "the run is marked live while it runs"
	"the database shows the run growing while the workload runs"
	"replay --live ends when the session does" "record --live exits 0, nothing lost"
	"the run holds every fault of the session" "the run is no longer marked once complete"
	"the same outcomes as a plain replay of the relay daemon's copy"
	"the same cause counts as the plain replay" "the same tallies as the plain replay"
	"the interrupted replay exits 0" "it says it was cut short"
	"the interrupted run is marked cut short" "the interrupted run's totals match its rows"
	"the interrupted database is intact"
)
why=""
if [ "$(id -u)" -ne 0 ]; then
	why="needs root: perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid) reserves tracepoints to root"
elif ! command -v lttng-sessiond >/dev/null || ! command -v lttng-relayd >/dev/null; then
	why="lttng-sessiond or lttng-relayd is not installed (scripts/install-deps installs lttng-tools)"
elif ! command -v babeltrace2 >/dev/null; then
	why="babeltrace2 is not installed (scripts/install-deps installs it)"
elif [ ! -d /sys/kernel/tracing/events ] && ! mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	why="tracefs is not available on this kernel"
fi
if [ -n "$why" ]; then
	for c in "${checks[@]}"; do skip "$c" "$why"; done
	done_testing
	exit
fi

relayd_pid="" rec_pid="" live_pid="" cut_pid="" url=""
cleanup() {
	for p in $cut_pid $live_pid $rec_pid $relayd_pid; do kill "$p" 2>/dev/null; done
	for p in $cut_pid $live_pid $rec_pid $relayd_pid; do wait "$p" 2>/dev/null; done
	rm -rf "$FL_TMP"
}
trap cleanup EXIT
out=$FL_TMP/collector
if ! start_relayd "$out"; then
	for c in "${checks[@]}"; do skip "$c" "lttng-relayd would not start: $relayd_why"; done
	done_testing
	exit
fi
base=$relayd_base
live=net://127.0.0.1:$((base + 2))

# record_live NAME TIMER_MS CMD...: a live recording in the background
# (rec_pid); url is the live URL of its session once it is there.
record_live() {
	local tag=$1 timer=$2 name; shift 2
	"$FAULTLINE" record --url "net://127.0.0.1:$base:$((base + 1))" --live="$timer" -- "$@" \
		>"$FL_TMP/$tag.rec.out" 2>"$FL_TMP/$tag.rec.err" &
	rec_pid=$!
	for _ in $(seq 300); do
		grep -q "live session '" "$FL_TMP/$tag.rec.err" && break
		kill -0 "$rec_pid" 2>/dev/null || break
		sleep 0.1
	done
	name=$(sed -n "s/^faultline record: live session '\(.*\)' on .*/\1/p" "$FL_TMP/$tag.rec.err")
	url="$live/host/$(hostname)/$name"
}
# attached URL: wait until the relay daemon counts a viewer of the session.
attached() {
	for _ in $(seq 300); do
		babeltrace2 -i lttng-live "$live" 2>/dev/null | grep -F "$1 " | grep -q "1 client(s)" &&
			return 0
		sleep 0.1
	done
	return 1
}

# The workload waits on a FIFO until the replay is attached: a viewer that
# attaches to a live session starts at the next packet each stream sends,
# and the relay daemon has no packet before the first flush (the live
# timer, 3 s here) or a full sub-buffer.  Paced (-R), it runs for about
# 8 s, long enough for several flushes.
mkfifo "$FL_TMP/gate"
record_live full 3000 sh -c "read _ < '$FL_TMP/gate'; exec '$pt' -t 2 -r 24 -p 1024 -R 3000"
"$FAULTLINE" replay --live --batch-seconds 1 -o "$FL_TMP/live.db" "$url" \
	>"$FL_TMP/live.out" 2>"$FL_TMP/live.err" &
live_pid=$!
if attached "$url"; then ok "replay --live attaches to the session"; else
	not_ok "replay --live attaches to the session" "url: $url" \
		"$(cat "$FL_TMP/full.rec.err" "$FL_TMP/live.err")"; fi
echo go >"$FL_TMP/gate"

# While the workload runs: the run is there, marked live, and grows.
state="" counts=""
while kill -0 "$rec_pid" 2>/dev/null; do
	n=$(sqlite3 "$FL_TMP/live.db" "select faults from runs" 2>/dev/null)
	s=$(sqlite3 "$FL_TMP/live.db" "select value from meta where key = 'run_state:1'" 2>/dev/null)
	[ -n "$s" ] && state=$s
	case " $counts " in *" $n "*) ;; *) [ -n "$n" ] && counts="$counts $n" ;; esac
	sleep 0.2
done
wait "$rec_pid"; rec_rc=$?; rec_pid=""
is "the run is marked live while it runs" "$state" "live"
# Growing: at least one count strictly between 0 and the final one.
wait "$live_pid"; live_rc=$?; live_pid=""
final=$(sqlite3 "$FL_TMP/live.db" "select faults from runs")
grew=$(for c in $counts; do [ "$c" -gt 0 ] && [ "$c" -lt "$final" ] && echo "$c"; done | head -1)
if [ -n "$grew" ]; then ok "the database shows the run growing while the workload runs"; else
	not_ok "the database shows the run growing while the workload runs" "counts seen:$counts" "final: $final"; fi
if [ "$live_rc" -eq 0 ]; then ok "replay --live ends when the session does"; else
	not_ok "replay --live ends when the session does" "exit $live_rc" "$(cat "$FL_TMP/live.err")"; fi
if [ "$rec_rc" -eq 0 ] &&
   grep -q 'lost: 0 perf records, 0 LTTng events discarded, 0 LTTng packets lost' "$FL_TMP/full.rec.err"; then
	ok "record --live exits 0, nothing lost"
else
	not_ok "record --live exits 0, nothing lost" "exit $rec_rc" "$(cat "$FL_TMP/full.rec.err")"
fi

# The relay daemon's copy on disk, replayed plainly.
meta=$(find "$out" -path "*${url##*/}*" -name metadata 2>/dev/null | head -1)
trace=$(dirname "$meta")
"$FAULTLINE" replay -o "$FL_TMP/plain.db" "$trace" >"$FL_TMP/plain.out" 2>&1
want=$(sqlite3 "$FL_TMP/plain.db" "select faults from runs")
is "the run holds every fault of the session" "$final" "$want"
is "the run is no longer marked once complete" \
	"$(sqlite3 "$FL_TMP/live.db" "select count(*) from meta where key like 'run_state:%'")" 0
rows() { sqlite3 "$1" "select * from outcomes order by run_id, fault_id" | md5sum; }
is "the same outcomes as a plain replay of the relay daemon's copy" \
	"$(rows "$FL_TMP/live.db")" "$(rows "$FL_TMP/plain.db")"
is "the same cause counts as the plain replay" \
	"$(sqlite3 "$FL_TMP/live.db" "select counter, reason, n, fell_back from cause_counts order by 1, 2")" \
	"$(sqlite3 "$FL_TMP/plain.db" "select counter, reason, n, fell_back from cause_counts order by 1, 2")"
tallies() { sqlite3 "$1" "select * from tally_threads order by 1, 2;
	select * from tally_vmas order by 1, 2, 3, 4;
	select * from tally_handlers order by 1, 2;
	select * from tally_fidelity order by 1, 2, 3, 4, 5, 6, 7;
	select * from tally_latency order by 1, 2;" | md5sum; }
is "the same tallies as the plain replay" "$(tallies "$FL_TMP/live.db")" "$(tallies "$FL_TMP/plain.db")"

# A second session, followed by a replay interrupted (SIGINT) once it has
# committed some faults.
record_live cut 1000 "$pt" -t 2 -r 24 -p 1024 -R 3000
"$FAULTLINE" replay --live --batch-seconds 1 -o "$FL_TMP/cut.db" "$url" \
	>"$FL_TMP/cut.out" 2>"$FL_TMP/cut.err" &
cut_pid=$!
cut_rc="not interrupted"
while kill -0 "$cut_pid" 2>/dev/null; do
	if [ "$(sqlite3 "$FL_TMP/cut.db" "select faults from runs" 2>/dev/null)" -gt 0 ] 2>/dev/null; then
		kill -INT "$cut_pid"
		wait "$cut_pid"; cut_rc=$?
		break
	fi
	sleep 0.2
done
cut_pid=""
wait "$rec_pid"; rec_pid=""
is "the interrupted replay exits 0" "$cut_rc" 0
contains "it says it was cut short" "$(cat "$FL_TMP/cut.out" "$FL_TMP/cut.err")" 'cut short'
is "the interrupted run is marked cut short" \
	"$(sqlite3 "$FL_TMP/cut.db" "select value from meta where key = 'run_state:1'")" "cut short"
is "the interrupted run's totals match its rows" \
	"$(sqlite3 "$FL_TMP/cut.db" "select faults = (select count(*) from outcomes where run_id = 1)
		and faults = (select sum(n) from cause_counts where run_id = 1)
		and faults = (select sum(faults) from tally_handlers where run_id = 1) from runs")" 1
is "the interrupted database is intact" "$(sqlite3 "$FL_TMP/cut.db" "pragma integrity_check")" ok

done_testing
