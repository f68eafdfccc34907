#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record's errors: each failure says what failed and why, with a
# hint, and exits non-zero; an event missing on the kernel is named with
# what the replay loses, and recording goes on without it.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch

# Usage errors need nothing.
expect_fail "no target is a usage error" 2 "nothing to record: give -p PID, -a, or -- CMD" record
expect_fail "two targets are a usage error" 2 "give one target" record -a -- true
expect_fail "-m must be a power of two" 2 "mmap-pages wants a power of two" record -m 3 -- true
expect_fail "-p wants process ids" 2 "--pid wants process ids PID\[,PID...\], not 'x'" record -p x
expect_fail "--duration wants seconds" 2 "duration wants seconds" record -d -1 -- true
run_fl record --help
if [ "$FL_RC" -eq 0 ] && printf '%s\n' "$FL_OUT" | grep -q 'exit status: 0 when the trace is complete, 3 when'; then
	ok "--help describes the exit statuses"; else not_ok "--help describes the exit statuses" "$FL_OUT"; fi

root_checks=(
	"not root: perf_event_paranoid is named"
	"output directory exists" "output directory unwritable"
	"tracefs unavailable" "command not found" "no such process"
	"missing event: named with what the replay loses" "missing event: recording goes on"
	"missing event: faults come from the page-faults software event"
	"no readahead tracepoints: one warning names both"
	"no readahead tracepoints: recording goes on, the header names them missing"
	"no readahead tracepoints: info shows sched but no readahead"
	"lttng-sessiond cannot start" "disk full: stops with a message" "disk full: the trace is readable"
	"another lttng-sessiond came up first: the recording uses it"
	"another lttng-sessiond came up first: it is left running"
	"a daemon that exits at once is started again" "the daemon started again is stopped at the end"
)
need_recording root lttng tracefs -- "${root_checks[@]}"

if [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt -1 ] && command -v setpriv >/dev/null; then
	# The binary itself: under FL_VALGRIND, $FAULTLINE is a wrapper in a
	# directory that uid 65534 cannot read.
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$FL_BUILD/faultline" record -o /tmp/fl-never -- true 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q 'cannot trace page faults as uid 65534: /proc/sys/kernel/perf_event_paranoid is' &&
		printf '%s\n' "$out" | grep -q '^hint: run it as root'; then
		ok "not root: perf_event_paranoid is named"
	else
		not_ok "not root: perf_event_paranoid is named" "exit $rc" "$out"
	fi
else
	skip "not root: perf_event_paranoid is named" "perf_event_paranoid is -1 here, or no setpriv"
fi

mkdir "$FL_TMP/exists"
expect_fail "output directory exists" 1 "output directory .*/exists exists" record -o "$FL_TMP/exists" -- true
expect_fail "output directory unwritable" 1 "cannot create output directory /proc/fl-trace: " \
	record -o /proc/fl-trace -- true
FL_TRACEFS=$FL_TMP/none expect_fail "tracefs unavailable" 1 "tracefs unavailable: FL_TRACEFS=.* has no events/" \
	record -o "$FL_TMP/t1" -- true
expect_fail "command not found" 1 "cannot run 'no-such-command-fl': No such file or directory" \
	record -o "$FL_TMP/t2" -- no-such-command-fl
expect_fail "no such process" 1 "no process 999999999 to attach to" record -o "$FL_TMP/t3" -p 999999999

# A kernel without exceptions:page_fault_user (ppc64, arm64): a tracefs
# copy holding every other event the recorder uses.
real=/sys/kernel/tracing
# copy_events DIR EVENT...: a tracefs holding only these events.
copy_events() {
	local dir=$1 e
	shift
	for e in "$@"; do
		mkdir -p "$dir/events/$e"
		cp "$real/events/$e/id" "$real/events/$e/format" "$dir/events/$e/"
	done
}
common_events=(mmap_lock/mmap_lock_start_locking mmap_lock/mmap_lock_acquire_returned
	mmap_lock/mmap_lock_released task/task_newtask task/task_rename sched/sched_process_fork
	sched/sched_process_exec sched/sched_process_exit sched/sched_switch sched/sched_waking
	syscalls/sys_{enter,exit}_{mmap,munmap,mprotect,mremap,brk,madvise,mlock,mlock2,munlock,mlockall,munlockall,pkey_mprotect})
copy_events "$FL_TMP/tfs" "${common_events[@]}"
FL_TRACEFS=$FL_TMP/tfs run_fl record -o "$FL_TMP/nopf" -- "$pt" -t 2 -r 1 -p 64
if printf '%s\n' "$FL_ERR" | grep -q 'warning: exceptions:page_fault_user is missing on this kernel; the replay loses access bits and the x86 error code of each fault; using the page-faults software event'; then
	ok "missing event: named with what the replay loses"
else
	not_ok "missing event: named with what the replay loses" "$FL_ERR"
fi
is "missing event: recording goes on" "$FL_RC" 0
run_fl info --format json "$FL_TMP/nopf"
printf '%s\n' "$FL_OUT" >"$FL_TMP/nopf.json"
sw=$(sqlite3 :memory: "select json_extract(value, '\$.support') from json_each(json_extract(readfile('$FL_TMP/nopf.json'), '\$.supports')) where json_extract(value, '\$.what') = 'faults';")
faults=$(json_get "$FL_TMP/nopf.json" '$.events.fault')
if [ "$sw" = partly ] && [ "${faults:-0}" -ge 128 ]; then
	ok "missing event: faults come from the page-faults software event"
else
	not_ok "missing event: faults come from the page-faults software event" "support=$sw faults=$faults" "$FL_ERR"
fi

# A kernel without the readahead tracepoints (they are recent; the ppc64
# lab's 6.12 may lack them): one warning for both, and the recording goes
# on with the scheduler's events.
copy_events "$FL_TMP/tfs-nora" exceptions/page_fault_user "${common_events[@]}"
FL_TRACEFS=$FL_TMP/tfs-nora run_fl record -o "$FL_TMP/nora" -- "$pt" -t 2 -r 1 -p 64
n=$(printf '%s\n' "$FL_ERR" | grep -c 'warning:.*readahead')
if [ "$n" -eq 1 ] && printf '%s\n' "$FL_ERR" | grep -q 'warning: readahead:page_cache_sync_ra and readahead:page_cache_async_ra are not on this kernel (only recent kernels have them); recording without them: the replay loses the file faults that started readahead'; then
	ok "no readahead tracepoints: one warning names both"
else
	not_ok "no readahead tracepoints: one warning names both" "$FL_ERR"
fi
missing=$(babeltrace2 "$FL_TMP/nora" 2>/dev/null | sed -n 's/.*faultline:header: .* missing = "\([^"]*\)".*/\1/p')
if [ "$FL_RC" -eq 0 ] && [ "$missing" = "readahead:page_cache_sync_ra,readahead:page_cache_async_ra" ]; then
	ok "no readahead tracepoints: recording goes on, the header names them missing"
else
	not_ok "no readahead tracepoints: recording goes on, the header names them missing" "exit $FL_RC, missing '$missing'"
fi
run_fl info "$FL_TMP/nora"
if printf '%s\n' "$FL_OUT" | grep -q '^  sched  *[1-9]' && ! printf '%s\n' "$FL_OUT" | grep -q '^  readahead ' &&
	printf '%s\n' "$FL_OUT" | grep -q '^  page-cache waits  *partly'; then
	ok "no readahead tracepoints: info shows sched but no readahead"
else
	not_ok "no readahead tracepoints: info shows sched but no readahead" "$FL_OUT"
fi

if pgrep -x lttng-sessiond >/dev/null; then
	skip "lttng-sessiond cannot start" "a session daemon already runs here, so none is started"
else
	LTTNG_SESSIOND_PATH=$FL_TMP/no-sessiond expect_fail "lttng-sessiond cannot start" 1 \
		"lttng-sessiond cannot start: .*no-sessiond' exited with status 127" record -o "$FL_TMP/t4" -- true
fi

# Two recorders started at one moment each start a private daemon; one
# daemon wins and the other exits, seeing it run.  Played here by a
# daemon "binary" that starts a real daemon without waiting for it, then
# exits 1 at once as the loser does: the recorder records through the
# winner, and leaves it running (it is the other recorder's).
if pgrep -x lttng-sessiond >/dev/null; then
	skip "another lttng-sessiond came up first: the recording uses it" "a session daemon already runs here"
	skip "another lttng-sessiond came up first: it is left running" "a session daemon already runs here"
else
	# The daemon's pid is kept: only it is stopped below, not another
	# recorder's daemon on a machine that runs more than one.
	printf '#!/bin/sh\nlttng-sessiond --no-kernel >/dev/null 2>&1 </dev/null &\necho $! >"%s"\nexit 1\n' \
		"$FL_TMP/lost-race.pid" >"$FL_TMP/lost-race"
	chmod +x "$FL_TMP/lost-race"
	LTTNG_SESSIOND_PATH=$FL_TMP/lost-race run_fl record -o "$FL_TMP/t5" -- "$pt" -t 1 -r 1 -p 16
	if [ "$FL_RC" -eq 0 ] && printf '%s\n' "$FL_ERR" | grep -q 'using the lttng-sessiond that started meanwhile' &&
		babeltrace2 "$FL_TMP/t5" 2>/dev/null | grep -q 'faultline:fault:'; then
		ok "another lttng-sessiond came up first: the recording uses it"
	else
		not_ok "another lttng-sessiond came up first: the recording uses it" "exit $FL_RC" "$FL_ERR"
	fi
	other=$(cat "$FL_TMP/lost-race.pid" 2>/dev/null || true)
	if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
		ok "another lttng-sessiond came up first: it is left running"
	else
		not_ok "another lttng-sessiond came up first: it is left running" "pid '${other}' does not run"
	fi
	# Stopped here, as its owner would: the tests after this start their own.
	if [ -n "$other" ]; then
		kill "$other" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$other" 2>/dev/null || break; sleep 0.1; done
	fi
fi

# A recorder that starts its daemon while another recording's private
# daemon is ending: ours exits at once (the other still holds the lock)
# and none answers a moment later.  Played by a daemon "binary" that
# exits 1 the first time and is the real daemon after: the recorder
# starts it again and records, and stops that daemon at the end.
if pgrep -x lttng-sessiond >/dev/null; then
	skip "a daemon that exits at once is started again" "a session daemon already runs here"
	skip "the daemon started again is stopped at the end" "a session daemon already runs here"
else
	printf '#!/bin/sh\nif [ ! -e "%s" ]; then : >"%s"; exit 1; fi\necho $$ >"%s"\nexec lttng-sessiond "$@"\n' \
		"$FL_TMP/ending.once" "$FL_TMP/ending.once" "$FL_TMP/ending.pid" >"$FL_TMP/ending"
	chmod +x "$FL_TMP/ending"
	LTTNG_SESSIOND_PATH=$FL_TMP/ending run_fl record -o "$FL_TMP/t6" -- "$pt" -t 1 -r 1 -p 16
	if [ "$FL_RC" -eq 0 ] && [ -e "$FL_TMP/ending.once" ] && [ -s "$FL_TMP/ending.pid" ] &&
		babeltrace2 "$FL_TMP/t6" 2>/dev/null | grep -q 'faultline:fault:'; then
		ok "a daemon that exits at once is started again"
	else
		not_ok "a daemon that exits at once is started again" "exit $FL_RC" "$FL_ERR"
	fi
	again=$(cat "$FL_TMP/ending.pid" 2>/dev/null || true)
	if [ -n "$again" ] && ! kill -0 "$again" 2>/dev/null; then
		ok "the daemon started again is stopped at the end"
	else
		not_ok "the daemon started again is stopped at the end" "pid '${again}' still runs"
		[ -z "$again" ] || kill "$again" 2>/dev/null
	fi
fi

# A nearly full disk: a 40 MiB tmpfs is below the recorder's reserve.
mkdir "$FL_TMP/small"
if mount -t tmpfs -o size=40m fl-test "$FL_TMP/small" 2>/dev/null; then
	run_fl record -o "$FL_TMP/small/t" -- "$pt" -t 1 -r 99999 -p 64 -R 20000
	if [ "$FL_RC" -eq 1 ] && printf '%s\n' "$FL_ERR" | grep -q 'stopped recording: the disk holding .* is almost full'; then
		ok "disk full: stops with a message"
	else
		not_ok "disk full: stops with a message" "exit $FL_RC" "$FL_ERR"
	fi
	if babeltrace2 "$FL_TMP/small/t" 2>"$FL_TMP/bt.err" | grep -q 'faultline:header' && [ ! -s "$FL_TMP/bt.err" ]; then
		ok "disk full: the trace is readable"
	else
		not_ok "disk full: the trace is readable" "$(head -n 5 "$FL_TMP/bt.err")"
	fi
	umount "$FL_TMP/small"
else
	skip "disk full: stops with a message" "cannot mount a tmpfs here"
	skip "disk full: the trace is readable" "cannot mount a tmpfs here"
fi

done_testing
