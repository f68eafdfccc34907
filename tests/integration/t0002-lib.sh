#!/bin/bash
# tests/lib.sh's need_recording: a test that records skips every one of its
# checks with the reason when this machine lacks what recording needs, goes
# on when it has it, and fails (never skips) when it is called wrongly.
# start_relayd: a relay daemon up on its three ports, or the reason it is not.
# Each case is a small script sourcing lib.sh, whose TAP output is checked.
. "$FL_TOP/tests/lib.sh"

# case NAME BODY: run BODY after sourcing lib.sh; $out, $rc.
case_run() {
	printf '. "$FL_TOP/tests/lib.sh"\n%s\n' "$2" >"$FL_TMP/$1.sh"
	out=$(bash "$FL_TMP/$1.sh" 2>&1)
	rc=$?
}

case_run absent 'need_recording /nonexistent/prog -- "check a" "check b"
echo "went on"'
is "a missing program: both checks skipped with the reason, then the plan; exit 0" \
	"$rc:$out" "0:ok 1 - check a # SKIP /nonexistent/prog is not installed
ok 2 - check b # SKIP /nonexistent/prog is not installed
1..2"

case_run order 'need_recording /bin/sh /nonexistent/one /nonexistent/two -- "c"'
is "the first need lacking is the reason" "$out" "ok 1 - c # SKIP /nonexistent/one is not installed
1..1"

case_run present 'need_recording /bin/sh -- "c"
ok "went on"
done_testing'
is "every need met: the test goes on" "$rc:$out" "0:ok 1 - went on
1..1"

case_run unknown 'need_recording frobnicate -- "c"'
is "an unknown need is a failure, not a skip (exit 1)" "$rc" 1
contains "... and names the need" "$out" "^# recording_blocker: unknown need 'frobnicate'"

case_run nodash 'need_recording root "c"'
contains "no -- between needs and checks is a failure" "$rc:$out" \
	"^1:not ok 1 - need_recording: no -- between the needs and the checks"

# Not root: the reason names perf_event_paranoid.
notroot=yes
if [ "$(id -u)" -ne 0 ]; then
	case_run notroot 'need_recording root lttng -- "c"'
elif command -v setpriv >/dev/null; then
	chmod 755 "$FL_TMP"
	printf '. "$FL_TOP/tests/lib.sh"\nneed_recording root lttng -- "c"\n' >"$FL_TMP/notroot.sh"
	chmod 644 "$FL_TMP/notroot.sh"
	out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env TMPDIR=/tmp bash "$FL_TMP/notroot.sh" 2>&1)
	rc=$?
else
	notroot=""
fi
if [ -n "$notroot" ]; then
	is "not root: the check skipped, the reason names perf_event_paranoid" "$rc:$out" \
		"0:ok 1 - c # SKIP needs root: perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid) reserves tracepoints to root
1..1"
else
	skip "not root: the reason names perf_event_paranoid" "running as root and setpriv is not installed"
fi

# start_relayd, with an lttng-relayd that cannot start: 5 tries, then the
# last line of its log as the reason.
mkdir -p "$FL_TMP/bin"
printf '#!/bin/sh\necho "tries=x" >>"%s/tries"\necho "Error: bind: Address already in use" >&2\nexit 1\n' \
	"$FL_TMP" >"$FL_TMP/bin/lttng-relayd"
chmod +x "$FL_TMP/bin/lttng-relayd"
case_run relayd_fails 'PATH='"$FL_TMP/bin"':$PATH
start_relayd "$FL_TMP/fails"; echo "rc=$? pid=[$relayd_pid] why=$relayd_why"'
is "start_relayd: a daemon that exits is given up after 5 tries, with its reason" \
	"$out:$(wc -l <"$FL_TMP/tries")" \
	"rc=1 pid=[] why=Error: bind: Address already in use:5"

# A real one, when installed: up on its three ports of 127.0.0.1, writing
# under OUT.
if command -v lttng-relayd >/dev/null && command -v ss >/dev/null; then
	relayd_pid=""
	if start_relayd "$FL_TMP/collector"; then
		ports=$(ss -ltn 2>/dev/null | grep -cE "127\.0\.0\.1:($relayd_base|$((relayd_base + 1))|$((relayd_base + 2))) ")
		is "start_relayd: lttng-relayd listens on control, data and live ports" \
			"$(kill -0 "$relayd_pid" && echo alive):$ports" "alive:3"
		kill "$relayd_pid"; wait "$relayd_pid" 2>/dev/null
	else
		not_ok "start_relayd: lttng-relayd listens on control, data and live ports" "$relayd_why"
	fi
else
	skip "start_relayd: lttng-relayd listens on control, data and live ports" \
		"lttng-relayd or ss is not installed"
fi
done_testing
