#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline record under valgrind, in every run of the tests (`make check`
# too).  `make valgrind` runs every other command of the shell tests under
# valgrind, but not record: a recorder slowed twenty-fold cannot keep up
# with the kernel's perf rings, and the recording tests' checks that
# nothing is lost would measure valgrind's speed, not the recorder.  Here
# the recorder runs under valgrind on light work (a command that forks and
# execs, an attach with -p, a SIGINT): no memory error and no definite
# leak, a trace that reads back, and whatever it lost counted the same by
# record and by info.  Exit status 3 (a trace written with losses) is an
# answer here, not a failure.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"record -- CMD: no valgrind error" "record -- CMD: exits 0 or 3" "record -- CMD: info reads the trace"
	"record -- CMD: record and info count the same losses"
	"record -p -d 1: no valgrind error" "record -p -d 1: exits 0 or 3" "record -p -d 1: info reads the trace"
	"SIGINT: no valgrind error" "SIGINT: exits 0 or 3" "SIGINT: info reads the trace"
)
need_recording root lttng tracefs -- "${checks[@]}"
command -v valgrind >/dev/null || skip_all "valgrind is not installed (scripts/install-deps installs it)" "${checks[@]}"
# A sanitizer build (make asan) maps its shadow memory where valgrind
# cannot follow: this test is for the plain build that make check runs.
if nm -D "$FL_BUILD/faultline" 2>/dev/null | grep -q -E ' (__asan_init|__msan_init|__tsan_init)$'; then
	skip_all "$FL_BUILD/faultline is a sanitizer build, which valgrind cannot run (make check runs this test)" "${checks[@]}"
fi

# fl under valgrind with the options of tests/run's FL_VALGRIND wrapper:
# "$vg" --log-file=LOG "$fl" ARGS (valgrind's log apart from record's own
# messages).  FL_VALGRIND_RUN execs valgrind, so the pid of one started in
# the background is valgrind's, and a signal sent to it reaches faultline.
vg=$FL_VALGRIND_RUN fl=$FL_BUILD/faultline
# clean NAME LOG: valgrind's log is empty.
clean() {
	if [ ! -s "$2" ]; then ok "$1"; else not_ok "$1" "$(head -n 40 "$2")"; fi
}
# status NAME RC: 0, or 3 for a trace written with losses.
status() {
	case $2 in 0 | 3) ok "$1 ($2)" ;; *) not_ok "$1" "exit status $2" ;; esac
}
# reads NAME TRACE: info reads the trace, with faults in it.
reads() {
	run_fl info --format json "$2"
	printf '%s\n' "$FL_OUT" >"$2.json"
	if [ "$FL_RC" -eq 0 ] && [ "$(json_get "$2.json" '$.events.fault')" -gt 0 ]; then ok "$1"
	else not_ok "$1" "info exited $FL_RC" "$FL_ERR"; fi
}

# A command that forks and execs: a shell running two page touchers.
t=$FL_TMP/cmd
"$vg" --log-file="$FL_TMP/cmd.vg" "$fl" record -o "$t" -- sh -c "$pt -t 2 -r 2 -p 64 && $pt -t 1 -r 1 -p 32" \
	>"$FL_TMP/cmd.out" 2>"$FL_TMP/cmd.err"
rc=$?
clean "${checks[0]}" "$FL_TMP/cmd.vg"
status "${checks[1]}" "$rc"
reads "${checks[2]}" "$t"
said=$(sed -n 's/.*lost: \([0-9]*\) perf records.*/\1/p' "$FL_TMP/cmd.err")
is "${checks[3]}" "${said:-none said}" "$(json_get "$t.json" '$.events.lost')"

# Attached to a running process for one second.
marker="-r 99997 -p 64 -R 20000"
"$pt" -t 2 $marker 2>/dev/null &
target=$!
t=$FL_TMP/att
"$vg" --log-file="$FL_TMP/att.vg" "$fl" record -o "$t" -d 1 -p "$target" >"$FL_TMP/att.out" 2>"$FL_TMP/att.err"
rc=$?
kill "$target" 2>/dev/null
wait "$target" 2>/dev/null
clean "${checks[4]}" "$FL_TMP/att.vg"
status "${checks[5]}" "$rc"
reads "${checks[6]}" "$t"

# SIGINT in the middle of `record -- CMD`: the recorder stops the command
# and ends the trace.
marker="-r 99996 -p 64 -R 20000"
t=$FL_TMP/int
"$vg" --log-file="$FL_TMP/int.vg" "$fl" record -o "$t" -- "$pt" -t 2 $marker >"$FL_TMP/int.out" 2>"$FL_TMP/int.err" &
rec=$!
child=$(wait_for_command "$pt -t 2 $marker")
sleep 1
kill -INT "$rec"
wait "$rec"
rc=$?
[ -n "$child" ] && kill -9 "$child" 2>/dev/null
clean "${checks[7]}" "$FL_TMP/int.vg"
status "${checks[8]}" "$rc"
reads "${checks[9]}" "$t"

done_testing
