# Shared helpers for the shell tests in tests/integration (git's t/test-lib.sh
# in miniature).  Each test prints TAP: "ok N - what" or "not ok N - what",
# with diagnostics as "# ..." lines, and "1..N" at the end.
#
# Environment (set by tests/run): FL_TOP, FL_BUILD, FAULTLINE.

: "${FL_TOP:?run me through tests/run}"
: "${FAULTLINE:?run me through tests/run}"

# Tables fit COLUMNS when it is set: the tests set it themselves.
unset COLUMNS

fl_n=0
fl_failed=0
FL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/faultline-test.XXXXXX")
trap 'rm -rf "$FL_TMP"' EXIT

ok() { fl_n=$((fl_n + 1)); echo "ok $fl_n - $1"; }
not_ok() {
	fl_n=$((fl_n + 1)); fl_failed=$((fl_failed + 1))
	echo "not ok $fl_n - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
skip() { fl_n=$((fl_n + 1)); echo "ok $fl_n - $1 # SKIP $2"; }
done_testing() { echo "1..$fl_n"; [ "$fl_failed" -eq 0 ]; }

# is WHAT GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

# contains WHAT TEXT REGEX: a line of TEXT matches the extended REGEX.
contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}

# run_fl ARGS...: runs faultline, leaving $FL_OUT, $FL_ERR, $FL_RC.
run_fl() {
	"$FAULTLINE" "$@" >"$FL_TMP/out" 2>"$FL_TMP/err"
	FL_RC=$?
	FL_OUT=$(cat "$FL_TMP/out")
	FL_ERR=$(cat "$FL_TMP/err")
}

# expect_ok WHAT ARGS...: faultline ARGS exits 0.
expect_ok() {
	local what=$1; shift
	run_fl "$@"
	if [ "$FL_RC" -eq 0 ]; then ok "$what"; else
		not_ok "$what" "faultline $* exited $FL_RC" "$FL_ERR"; fi
}

# expect_fail WHAT STATUS REGEX ARGS...: faultline ARGS exits STATUS and
# its stderr matches the extended regex REGEX.
expect_fail() {
	local what=$1 status=$2 re=$3; shift 3
	run_fl "$@"
	if [ "$FL_RC" -ne "$status" ]; then
		not_ok "$what" "faultline $* exited $FL_RC, want $status" "stderr: $FL_ERR"
	elif ! printf '%s\n' "$FL_ERR" | grep -Eq -- "$re"; then
		not_ok "$what" "stderr does not match /$re/:" "$FL_ERR"
	elif printf '%s\n' "$FL_ERR" | grep -Eq 'AddressSanitizer|runtime error|Segmentation'; then
		not_ok "$what" "crashed or sanitizer report:" "$FL_ERR"
	else
		ok "$what"
	fi
}

# json_get FILE PATH: one value out of a JSON document, through SQLite's
# JSON functions (sqlite3 is a dependency already).
json_get() {
	sqlite3 :memory: "select json_extract(readfile('$1'), '$2');"
}
json_valid() {
	[ "$(sqlite3 :memory: "select json_valid(readfile('$1'));")" = 1 ]
}

# skip_all REASON CHECK...: every CHECK reported as skipped with REASON, and
# the test ends there (a test skips all its checks or none).
skip_all() {
	local why=$1 c; shift
	for c in "$@"; do skip "$c" "$why"; done
	done_testing
	exit
}

# recording_blocker NEED...: why this machine cannot record a trace, for the
# first NEED it lacks, in the order given; nothing when it has them all.
# NEED: root (tracepoints are reserved to root by perf_event_paranoid), lttng
# (lttng-sessiond), perf, tracefs (mounted at /sys/kernel/tracing when it is
# not yet), or the absolute path of a program the test runs.
recording_blocker() {
	local need
	for need in "$@"; do
		case $need in
		root)
			[ "$(id -u)" -eq 0 ] && continue
			echo "needs root: perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid) reserves tracepoints to root" ;;
		lttng)
			command -v lttng-sessiond >/dev/null && continue
			echo "lttng-sessiond is not installed (scripts/install-deps installs lttng-tools)" ;;
		perf)
			command -v perf >/dev/null && continue
			echo "perf is not installed (scripts/install-deps installs linux-perf)" ;;
		tracefs)
			[ -d /sys/kernel/tracing/events ] && continue
			mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && continue
			echo "tracefs is not available on this kernel" ;;
		/*)
			[ -x "$need" ] && continue
			echo "$need is not installed" ;;
		*)
			echo "recording_blocker: unknown need '$need' (root, lttng, perf, tracefs or /PATH)"
			return 2 ;;
		esac
		return 1
	done
}

# need_recording NEED... -- CHECK...: a test that records a trace.  When this
# machine lacks a NEED (recording_blocker), every CHECK is reported as
# skipped with the reason, and the test ends; otherwise it goes on.
need_recording() {
	local needs=() why rc
	while [ $# -gt 0 ] && [ "$1" != -- ]; do needs+=("$1"); shift; done
	if [ "${1-}" != -- ]; then
		not_ok "need_recording: no -- between the needs and the checks"
		done_testing
		exit 1
	fi
	shift
	why=$(recording_blocker "${needs[@]}")
	rc=$?
	if [ "$rc" -eq 2 ]; then
		not_ok "need_recording ${needs[*]}" "$why"
		done_testing
		exit 1
	fi
	[ "$rc" -eq 0 ] || skip_all "$why" "$@"
}

# record_with RECORDER DIR CMD...: record CMD with `faultline record`
# (RECORDER faultline) or scripts/capture-perf-trace (perf) into DIR (made
# afresh), its output in DIR.log; the recorder's status.
record_with() {
	local r=$1 t=$2
	shift 2
	rm -rf "$t" "$t.db"*
	if [ "$r" = faultline ]; then
		"$FL_BUILD/faultline" record -q -o "$t" -- "$@" >"$t.log" 2>&1
	else
		"$FL_TOP/scripts/capture-perf-trace" "$t" -- "$@" >"$t.log" 2>&1
	fi
}

# record_until_fallback RECORDER DIR FROM CMD...: record_with, then replay
# with pervma into DIR.db (run_fl: FL_TMP/out and err); until the kernel
# fell back on one of the faults "SELECT ... FROM" picks (faults f), up to
# three recordings.
# Whether a fault lands inside a short write hold, and finds its VMA
# write-locked there, is the scheduler's choice: on a loaded machine a
# recording can have none, and says nothing of what the test checks.
# Sets rec (the last recorder's status) and fb (that count).
record_until_fallback() {
	local r=$1 t=$2 from=$3 attempt
	shift 3
	for attempt in 1 2 3; do
		record_with "$r" "$t" "$@"
		rec=$?
		run_fl replay -s pervma -o "$t.db" "$t"
		fb=$(sqlite3 "$t.db" "SELECT count(*) $from AND f.gt = 'fallback'")
		[ "$rec" -ne 0 ] || [ "${fb:-0}" -gt 0 ] && return
		echo "# $r, recording $attempt: the kernel fell back on none of the faults looked at"
	done
}

# wait_for_command CMDLINE: wait (up to 120 s: a recorder under valgrind is
# slow to start its command) until a process whose command line begins with
# CMDLINE runs, and print its pid; returns 1 if none came.  Begins with, not
# contains: the recorder's own command line (and valgrind's around it) holds
# the command it runs, from the moment it starts, long before it has set up
# its signal handlers and started the command.
wait_for_command() {
	local re p
	re=$(printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g')
	for _ in $(seq 1200); do
		p=$(pgrep -f -- "^$re" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# start_relayd OUT: an lttng-relayd of the test's own, listening on 127.0.0.1
# only, writing what it receives under OUT (made empty first).  Another test
# or another user may hold a port, so up to 5 tries on other ports.  It is up
# when it listens on its three ports (or, without ss, still runs after 5 s).
# Sets relayd_pid and relayd_base, its control port (data: +1, live: +2), and
# returns 0; or returns 1 with relayd_pid empty and relayd_why the last line
# of its log.  The caller stops relayd_pid (its EXIT trap).
start_relayd() {
	local out=$1 log=$FL_TMP/relayd.log try up
	relayd_pid="" relayd_why=""
	for try in 1 2 3 4 5; do
		relayd_base=$((20000 + (RANDOM % 2000) * 4))
		rm -rf "$out"; mkdir -p "$out"
		lttng-relayd -o "$out" -C "tcp://127.0.0.1:$relayd_base" \
			-D "tcp://127.0.0.1:$((relayd_base + 1))" \
			-L "tcp://127.0.0.1:$((relayd_base + 2))" >"$log" 2>&1 &
		relayd_pid=$!
		for _ in $(seq 50); do
			kill -0 "$relayd_pid" 2>/dev/null || break
			up=$(ss -ltn 2>/dev/null | grep -cE "127\.0\.0\.1:($relayd_base|$((relayd_base + 1))|$((relayd_base + 2))) ")
			[ "$up" -ge 3 ] && return 0
			sleep 0.1
		done
		kill -0 "$relayd_pid" 2>/dev/null && return 0
		wait "$relayd_pid" 2>/dev/null
		relayd_pid=""
	done
	relayd_why=$(tail -1 "$log")
	return 1
}

# complete_words WORDS...: what the bash completion offers for the last
# word of `faultline WORDS...`, sorted, on one line.
complete_words() {
	bash -c '
		source "$1/scripts/faultline.bash-completion" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_faultline
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' _ "$FL_TOP" "$FAULTLINE" "$@"
}
