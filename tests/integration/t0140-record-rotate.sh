#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record --rotate-size / --rotate-every / --max-size: LTTng's
# session rotation closes trace chunks into DIR/archives/; each is a trace
# of its own (moved up, owner-only), `info` and `replay` read DIR as the
# whole recording, and --max-size removes the oldest chunks to keep DIR
# under the cap.  The time-rotation check waits for a chunk to appear (the
# recorded command polls for it), never for a fixed time.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
expect_fail "--max-size needs rotation" 2 "give --rotate-size or --rotate-every with it" \
	record --max-size 10 -- true
expect_fail "--max-size must hold two chunks" 2 "at least twice --rotate-size" \
	record --rotate-size 8 --max-size 10 -- true
expect_fail "--snapshot does not rotate" 2 "it does not rotate" \
	record --snapshot --rotate-size 8 -- true
checks=(
	"size rotation: at least two chunks, each a readable, owner-only trace"
	"info DIR reads the chunks as one trace"
	"replay DIR reads the chunks as one trace"
	"time rotation: a chunk closes while the command runs, and another at the end"
	"--max-size: the oldest chunks are removed and DIR ends under the cap"
	"--max-size: what is left is readable"
)
need_recording root lttng tracefs -- "${checks[@]}"

ctf_events() { babeltrace2 "$1" 2>/dev/null | wc -l; }

# About 16 MB of events against 1 MiB chunks, over about 3 s: LTTng checks
# a session's size on its channels' monitor timer (1 s), so a recording
# shorter than that may end before any check, unpaced it takes 0.4 s here.
r=$FL_TMP/rot
run_fl record --rotate-size 1 -o "$r" -- "$pt" -t 2 -r 40 -p 1024 -R 14000
written=$(printf '%s\n' "$FL_ERR" | sed -n 's/.*events in .*: \([0-9]*\) faults,.*/\1/p')
chunks=("$r"/archives/*)
bad="" total=0
for c in "${chunks[@]}"; do
	n=$(ctf_events "$c")
	total=$((total + n))
	[ -f "$c/metadata" ] && [ "$n" -gt 0 ] || bad+=" $c:$n"
done
bad+=$(find "$r" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) | head -n 3)
if [ "$FL_RC" -eq 0 ] && [ "${#chunks[@]}" -ge 2 ] && [ -z "$bad" ]; then
	ok "size rotation: at least two chunks, each a readable, owner-only trace"
else
	not_ok "size rotation: at least two chunks, each a readable, owner-only trace" "exit $FL_RC, ${#chunks[@]} chunks, bad:$bad" "$FL_ERR"
fi
run_fl info --format json "$r"
printf '%s\n' "$FL_OUT" >"$FL_TMP/rot.json"
# Every fault the recorder wrote (the workload's 81,920 and the loader's).
is "info DIR reads the chunks as one trace" "$FL_RC $(json_get "$FL_TMP/rot.json" '$.events.fault')" "0 $written"
run_fl replay -s pervma -o "$FL_TMP/rot.db" "$r"
if [ "$FL_RC" -eq 0 ] && [ -n "$written" ] && printf '%s\n' "$FL_OUT" | grep -q "($written faults"; then
	ok "replay DIR reads the chunks as one trace"
else
	not_ok "replay DIR reads the chunks as one trace" "exit $FL_RC" "$FL_OUT" "$FL_ERR"
fi

r=$FL_TMP/every
run_fl record --rotate-every 0.2 -o "$r" -- sh -c \
	"$pt -t 1 -r 1 -p 64 2>/dev/null; until ls $r/archives/* >/dev/null 2>&1; do sleep 0.05; done; $pt -t 1 -r 1 -p 64 2>/dev/null"
n=$(ls -d "$r"/archives/* 2>/dev/null | wc -l)
run_fl info "$r"
if [ "$n" -ge 2 ] && [ "$FL_RC" -eq 0 ]; then
	ok "time rotation: a chunk closes while the command runs, and another at the end"
else
	not_ok "time rotation: a chunk closes while the command runs, and another at the end" "$n chunks; info exit $FL_RC" "$FL_ERR"
fi

# About 40 MB of events against a 12 MiB cap, paced over about 3.5 s (the
# size is checked on a 1 s monitor timer; see the size rotation above).
r=$FL_TMP/cap
run_fl record --rotate-size 1 --max-size 12 -o "$r" -- "$pt" -t 2 -r 200 -p 1024 -R 60000
kb=$(du -sk "$r" | cut -f1)
n=$(ls -d "$r"/archives/* | wc -l)
removed=$(printf '%s\n' "$FL_ERR" | sed -n 's/.*; \([0-9]*\) removed under --max-size.*/\1/p')
if [ "${removed:-0}" -ge 1 ] && { [ "$kb" -le $((12 * 1024)) ] || [ "$n" -eq 1 ]; }; then
	ok "--max-size: the oldest chunks are removed and DIR ends under the cap"
else
	not_ok "--max-size: the oldest chunks are removed and DIR ends under the cap" "$kb KiB in $n chunks, removed '$removed'" "$FL_ERR"
fi
run_fl info "$r"
is "--max-size: what is left is readable" "$FL_RC" 0
done_testing
