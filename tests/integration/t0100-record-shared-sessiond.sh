#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# Two recordings share the private lttng-sessiond the first one started:
# the first ends while the second still records, so it must leave the
# daemon running (stopping it would cut the second short) and the second,
# the last to use it, stops it.  Neither waits on time: each recorded
# command runs until the test creates its go-file.  Needs root and tracefs,
# and no lttng-sessiond already running (else the first recorder starts
# none); without them every check is reported as skipped, with the reason.
. "$FL_TOP/tests/lib.sh"

checks=(
	"the first recorder starts a private lttng-sessiond"
	"the second recorder uses it"
	"the first recorder ends with the second's session in it: it leaves the daemon running"
	"the first recording is whole"
	"the last recorder stops the daemon it was left"
	"the second recording is whole"
	"no note of the daemon is left"
)
need_recording root lttng tracefs -- "${checks[@]}"
if p=$(pgrep -x lttng-sessiond | head -n 1) && [ -n "$p" ]; then
	skip_all "an lttng-sessiond (pid $p) already runs: the first recorder would start none" \
		"${checks[@]}"
fi

# A command that says it runs, then waits for its go-file.
cmd() { echo "touch $FL_TMP/$1.runs; while [ ! -e $FL_TMP/$1.go ]; do sleep 0.02; done"; }
# Wait (up to 60 s) for a file to exist.
wait_file() {
	for _ in $(seq 3000); do [ -e "$1" ] && return 0; sleep 0.02; done
	return 1
}
# Wait (up to 10 s) for a process to end.
wait_gone() {
	for _ in $(seq 500); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.02; done
	return 1
}

"$FAULTLINE" record -o "$FL_TMP/a" -- sh -c "$(cmd a)" >"$FL_TMP/a.out" 2>"$FL_TMP/a.err" &
rec_a=$!
wait_file "$FL_TMP/a.runs"
sd=$(sed -n 's/.*started a private lttng-sessiond (pid \([0-9]*\)).*/\1/p' "$FL_TMP/a.err")
if [ -n "$sd" ] && kill -0 "$sd" 2>/dev/null; then
	ok "the first recorder starts a private lttng-sessiond"
else
	not_ok "the first recorder starts a private lttng-sessiond" "$(cat "$FL_TMP/a.err")"
fi

"$FAULTLINE" record -o "$FL_TMP/b" -- sh -c "$(cmd b)" >"$FL_TMP/b.out" 2>"$FL_TMP/b.err" &
rec_b=$!
wait_file "$FL_TMP/b.runs"
if grep -q "started a private lttng-sessiond" "$FL_TMP/b.err"; then
	not_ok "the second recorder uses it" "$(cat "$FL_TMP/b.err")"
else
	ok "the second recorder uses it"
fi

touch "$FL_TMP/a.go"
wait "$rec_a"
rc_a=$?
if [ -n "$sd" ] && kill -0 "$sd" 2>/dev/null &&
	grep -q "left the lttng-sessiond it started (pid $sd) running: 1 other session uses it" "$FL_TMP/a.err"; then
	ok "the first recorder ends with the second's session in it: it leaves the daemon running"
else
	not_ok "the first recorder ends with the second's session in it: it leaves the daemon running" \
		"rc $rc_a" "$(cat "$FL_TMP/a.err")"
fi
run_fl info "$FL_TMP/a"
is "the first recording is whole" "$rc_a $FL_RC" "0 0"

touch "$FL_TMP/b.go"
wait "$rec_b"
rc_b=$?
if [ -n "$sd" ] && wait_gone "$sd" &&
	grep -q "stopped the lttng-sessiond (pid $sd) another faultline record started" "$FL_TMP/b.err"; then
	ok "the last recorder stops the daemon it was left"
else
	not_ok "the last recorder stops the daemon it was left" "rc $rc_b" "$(cat "$FL_TMP/b.err")"
	[ -n "$sd" ] && kill "$sd" 2>/dev/null
fi
run_fl info "$FL_TMP/b"
is "the second recording is whole" "$rc_b $FL_RC" "0 0"
note=/var/run/lttng/faultline-sessiond
[ "$(id -u)" -eq 0 ] || note=${LTTNG_HOME:-$HOME}/.lttng/faultline-sessiond
if [ -e "$note" ]; then not_ok "no note of the daemon is left" "$note: $(cat "$note")"; else
	ok "no note of the daemon is left"; fi

done_testing
