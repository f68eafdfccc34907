#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record --snapshot, the flight recorder: LTTng's rings stay in
# memory and are written out as DIR/snapshot-N, a trace of its own, on
# SIGUSR1, on `faultline record --trigger` from another shell, or on a
# built-in trigger; recording goes on after each.  Every step waits on the
# recorder's own words (its stderr) or on FIFOs, never on time.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
expect_fail "--trigger wants no target" 2 "--trigger asks a running recorder for a snapshot" \
	record --trigger -- true
expect_fail "--snapshot-size belongs to --snapshot" 2 "belong to --snapshot" \
	record --snapshot-size 8 -- true
expect_fail "--trigger-fallback wants a percentage" 2 "--trigger-fallback wants a number from" \
	record --snapshot --trigger-fallback 200 -- true
checks=(
	"--trigger without a flight recorder is an error"
	"--trigger -o DIR reaches the recorder" "SIGUSR1 and --trigger: two numbered snapshots, and recording went on"
	"snapshot 1 is a readable trace with the events until then"
	"snapshot 2 holds what came after snapshot 1"
	"snapshots are owner-only"
	"a small flight recorder keeps the last window only"
	"built-in trigger: a long mmap_lock wait writes a snapshot, naming the thread"
	"built-in trigger: the snapshot holds the triggering thread's mmap_lock events"
)
need_recording root lttng tracefs -- "${checks[@]}"

mkdir "$FL_TMP/plain"
expect_fail "--trigger without a flight recorder is an error" 1 "no recording in progress in" \
	record --trigger -o "$FL_TMP/plain"

# wait_for FILE REGEX: until the recorder has said it.  The bound only
# keeps a broken recorder from hanging the test run (10 minutes, for
# valgrind); the order of events never depends on it.
wait_for() {
	local i
	for ((i = 0; i < 12000; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# gave up waiting for /$2/ in $1" >&2
	return 1
}

s=$FL_TMP/s
mkfifo "$FL_TMP/f1" "$FL_TMP/f2" "$FL_TMP/g1" "$FL_TMP/g2"
# Open read-write, the FIFOs never block an open: the command's words wait
# in f1/f2 for a bounded read here, and "go" waits in g1/g2 for the command.
exec 3<>"$FL_TMP/f1" 4<>"$FL_TMP/f2" 5<>"$FL_TMP/g1" 6<>"$FL_TMP/g2"
hear() { read -t 600 -r "$1" <&"$2"; }
# The command: workload 1, say so, wait; workload 2, say so, wait.
"$FAULTLINE" record --snapshot -o "$s" -- sh -c \
	"$pt -t 1 -r 2 -p 64 2>/dev/null; echo \$\$ >$FL_TMP/f1; read x <$FL_TMP/g1;
	 $pt -t 1 -r 3 -p 64 2>/dev/null & echo \$! >$FL_TMP/f2; wait; read x <$FL_TMP/g2" 2>"$FL_TMP/s.err" &
rec=$!
hear shpid 3 || kill "$rec"
run_fl record --trigger -o "$s"
if [ "$FL_RC" -eq 0 ] && printf '%s\n' "$FL_ERR" | grep -q 'asked the flight recorder (pid [0-9]*) for a snapshot'; then
	ok "--trigger -o DIR reaches the recorder"
else
	not_ok "--trigger -o DIR reaches the recorder" "exit $FL_RC" "$FL_ERR"
fi
wait_for "$FL_TMP/s.err" 'snapshot 1 written to' || kill "$rec"
echo go >&5
hear pt2 4 || kill "$rec"
# Once workload 2 has exited, all its events happened before the request,
# and the recorder writes everything that happened before a request
# into the snapshot.
sleep_until_exit() { local i; for ((i = 0; i < 12000; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; }
sleep_until_exit "$pt2"
kill -USR1 "$rec"
wait_for "$FL_TMP/s.err" 'snapshot 2 written to' || kill "$rec"
echo go >&6
wait "$rec"
rc=$?
err=$(cat "$FL_TMP/s.err")
if [ "$rc" -eq 0 ] && printf '%s\n' "$err" | grep -q "snapshot 1 written to $s/snapshot-1: asked for" &&
	printf '%s\n' "$err" | grep -q "snapshot 2 written to $s/snapshot-2: asked for" &&
	printf '%s\n' "$err" | grep -q '2 snapshots written to'; then
	ok "SIGUSR1 and --trigger: two numbered snapshots, and recording went on"
else
	not_ok "SIGUSR1 and --trigger: two numbered snapshots, and recording went on" "exit $rc" "$err"
fi
run_fl info --format json "$s/snapshot-1"
printf '%s\n' "$FL_OUT" >"$FL_TMP/s1.json"
if [ "$FL_RC" -eq 0 ] && [ "$(json_get "$FL_TMP/s1.json" '$.dialect')" = faultline ] &&
	[ "$(json_get "$FL_TMP/s1.json" '$.events.fault')" -ge 128 ]; then
	ok "snapshot 1 is a readable trace with the events until then"
else
	not_ok "snapshot 1 is a readable trace with the events until then" "exit $FL_RC" "$FL_ERR" "$FL_OUT"
fi
in_trace() { babeltrace2 "$1" 2>/dev/null | grep -c "faultline:fault: .* pid = $2,"; }
n1=$(in_trace "$s/snapshot-1" "$pt2") n2=$(in_trace "$s/snapshot-2" "$pt2")
if [ "$n1" -eq 0 ] && [ "$n2" -ge 192 ]; then
	ok "snapshot 2 holds what came after snapshot 1"
else
	not_ok "snapshot 2 holds what came after snapshot 1" "faults of pid $pt2: $n1 in snapshot 1, $n2 in snapshot 2"
fi
is "snapshots are owner-only" "$(find "$s" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) | head -n 3)" ""

# 1 MiB per CPU: workload 1 (about 100,000 events) cannot fit, workload
# 2 (a few hundred) is the newest and must be whole.
s=$FL_TMP/small
"$FAULTLINE" record --snapshot --snapshot-size 1 -o "$s" -- sh -c \
	"$pt -t 2 -r 20 -p 1024 2>/dev/null & echo \$! >$FL_TMP/f1; wait;
	 $pt -t 1 -r 1 -p 64 2>/dev/null & echo \$! >$FL_TMP/f2; wait; read x <$FL_TMP/g2" 2>"$FL_TMP/small.err" &
rec=$!
hear big 3 || kill "$rec"
hear last 4 || kill "$rec"
sleep_until_exit "$last"
kill -USR1 "$rec"
wait_for "$FL_TMP/small.err" 'snapshot 1 written to' || kill "$rec"
echo go >&6
wait "$rec"
nb=$(in_trace "$s/snapshot-1" "$big") nl=$(in_trace "$s/snapshot-1" "$last")
if [ "$nl" -ge 64 ] && [ "$nb" -lt 40960 ]; then
	ok "a small flight recorder keeps the last window only"
else
	not_ok "a small flight recorder keeps the last window only" \
		"faults of the big workload: $nb of 40960; of the last one: $nl (want >= 64)" "$(cat "$FL_TMP/small.err")"
fi

# Any wait for mmap_lock is longer than a nanosecond: the first one of
# the command fires the trigger.
s=$FL_TMP/trig
"$FAULTLINE" record --snapshot --trigger-lock-wait 0.000001 -o "$s" -- sh -c \
	"$pt -t 2 -r 2 -p 64 2>/dev/null; read x <$FL_TMP/g2" 2>"$FL_TMP/trig.err" &
rec=$!
wait_for "$FL_TMP/trig.err" 'snapshot 1 written to' || kill "$rec"
echo go >&6
wait "$rec"
tid=$(sed -n 's/.*snapshot 1 written to .*: thread \([0-9]*\) waited [0-9.]* ms for mmap_lock (\(read\|write\); threshold 0.000 ms).*/\1/p' "$FL_TMP/trig.err")
if [ -n "$tid" ]; then
	ok "built-in trigger: a long mmap_lock wait writes a snapshot, naming the thread"
else
	not_ok "built-in trigger: a long mmap_lock wait writes a snapshot, naming the thread" "$(cat "$FL_TMP/trig.err")"
fi
n=$(babeltrace2 "$s/snapshot-1" 2>/dev/null | grep -c "faultline:mmap_lock: .* tid = ${tid:-x}, phase = 1,")
if [ "${n:-0}" -ge 1 ]; then
	ok "built-in trigger: the snapshot holds the triggering thread's mmap_lock events"
else
	not_ok "built-in trigger: the snapshot holds the triggering thread's mmap_lock events" "tid '$tid': $n acquired events"
fi
done_testing
