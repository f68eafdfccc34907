#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record --url: the trace streamed to an LTTng relay daemon on
# 127.0.0.1 (started here, on ports of its own), nothing written locally,
# the same loss accounting, and info and replay reading the trace where
# lttng-relayd put it.  Recording needs root, tracefs and lttng-relayd:
# without them those checks are reported as skipped, with the reason.
. "$FL_TOP/tests/lib.sh"

expect_fail "--url with -o is refused" 2 'not both' record --url net://127.0.0.1 -o "$FL_TMP/x" -- true
expect_fail "--url takes LTTng's net:// URLs" 2 'net://HOST' record --url file:///tmp/x -- true
expect_fail "--url needs a value" 2 'needs a value' record --url

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"record --url exits 0" "recorder reports 0 lost" "the summary names the URL"
	"nothing is written in the working directory" "the relay daemon holds one trace under the hostname"
	"info reads the trace where lttng-relayd put it" "info: dialect faultline, nothing lost"
	"replay reads it" "every fault of the trace replayed"
	"record --url with no relay daemon listening fails"
)
why=""
if [ "$(id -u)" -ne 0 ]; then
	why="needs root: perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid) reserves tracepoints to root"
elif ! command -v lttng-sessiond >/dev/null || ! command -v lttng-relayd >/dev/null; then
	why="lttng-sessiond or lttng-relayd is not installed (scripts/install-deps installs lttng-tools)"
elif [ ! -d /sys/kernel/tracing/events ] && ! mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	why="tracefs is not available on this kernel"
fi
if [ -n "$why" ]; then
	for c in "${checks[@]}"; do skip "$c" "$why"; done
	done_testing
	exit
fi

# A relay daemon of our own, on 127.0.0.1 only (tests/lib.sh).
relayd_pid=""
cleanup() {
	[ -n "$relayd_pid" ] && kill "$relayd_pid" 2>/dev/null && wait "$relayd_pid" 2>/dev/null
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

url=net://127.0.0.1:$base:$((base + 1))
mkdir "$FL_TMP/work"
(cd "$FL_TMP/work" && "$FAULTLINE" record --url "$url" -- "$pt" -t 2 -r 2 -p 128 \
	>"$FL_TMP/rec.out" 2>"$FL_TMP/rec.err")
rc=$?
is "record --url exits 0" "$rc" 0
if grep -q 'lost: 0 perf records, 0 LTTng events discarded, 0 LTTng packets lost' "$FL_TMP/rec.err"; then
	ok "recorder reports 0 lost"
else
	not_ok "recorder reports 0 lost" "$(cat "$FL_TMP/rec.err")"
fi
if grep -qF "trace sent to $url" "$FL_TMP/rec.err"; then ok "the summary names the URL"
else not_ok "the summary names the URL" "$(cat "$FL_TMP/rec.err")"; fi
is "nothing is written in the working directory" "$(ls -A "$FL_TMP/work")" ""

# lttng-relayd writes OUT/HOSTNAME/SESSION-DATE-TIME/ust/uid/UID/64-bit/.
# The relay daemon may still be writing the last packets: wait for the
# metadata and the stream files to settle (the session is destroyed).
for _ in $(seq 50); do
	meta=$(find "$out" -name metadata 2>/dev/null)
	[ -n "$meta" ] && break
	sleep 0.1
done
hostdirs=$(find "$out" -mindepth 1 -maxdepth 1 -type d -printf '%f\n')
if [ "$hostdirs" = "$(hostname)" ] && [ "$(printf '%s\n' "$meta" | grep -c .)" = 1 ]; then
	ok "the relay daemon holds one trace under the hostname"
else
	not_ok "the relay daemon holds one trace under the hostname" "hosts: $hostdirs" "metadata: $meta"
fi
trace=$(dirname "$meta")

run_fl info --format json "$trace"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
is "info reads the trace where lttng-relayd put it" "$FL_RC" 0
is "info: dialect faultline, nothing lost" \
	"$(json_get "$FL_TMP/info.json" '$.dialect') $(json_get "$FL_TMP/info.json" '$.events.lost') $(json_get "$FL_TMP/info.json" '$.discarded.events')" \
	"faultline 0 0"
expect_ok "replay reads it" replay -s pervma -o "$FL_TMP/r.db" "$trace"
is "every fault of the trace replayed" "$(sqlite3 "$FL_TMP/r.db" 'select faults from runs')" \
	"$(json_get "$FL_TMP/info.json" '$.events.fault')"

# Nothing listening: LTTng cannot reach the relay daemon, and says so.
kill "$relayd_pid"; wait "$relayd_pid" 2>/dev/null; relayd_pid=""
expect_fail "record --url with no relay daemon listening fails" 1 'faultline: cannot .*LTTng' \
	record --url "$url" -- "$pt" -t 1 -r 1 -p 8

done_testing
