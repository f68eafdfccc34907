#!/bin/bash
# One time convention everywhere (lib/fl_fmt.h): info, report --fidelity,
# a --by view and the TUI's fault detail print seconds with ns since the
# trace's first event (S.NNNNNNNNN); CSV and JSON hold integer ns since it;
# --abs-time prints the time of day of the trace's clock as babeltrace2
# prints an event's time, so the first event's time is babeltrace2's own.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

# babeltrace2 and faultline print local time: one zone for both.
export TZ=UTC
trace=traces/x86_64/fl-mmchurn
db=$FL_TMP/t.db
secs='[0-9]+\.[0-9]{9}'
q() { sqlite3 "$db" "$1"; }
# ns since the first event as S.NNNNNNNNN
s9() { printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000)); }
# trace-clock ns as babeltrace2's time of day
tod() { printf '%s.%09d' "$(date -u -d "@$(($1 / 1000000000))" +%H:%M:%S)" $(($1 % 1000000000)); }

# ---- info --------------------------------------------------------------------
expect_ok "info" info "$trace"
contains "info: the span in s since the first event" "$FL_OUT" \
	"^time span:  0\.000000000 \.\. $secs \(s since the first event\)$"
info_text=$FL_OUT
expect_ok "info --format json" info --format json "$trace"
printf '%s\n' "$FL_OUT" >"$FL_TMP/i.json"
t_first=$(json_get "$FL_TMP/i.json" '$.t_first_ns')
t_last=$(json_get "$FL_TMP/i.json" '$.t_last_ns')
is "info json: span_ns is t_last_ns - t_first_ns" "$(json_get "$FL_TMP/i.json" '$.span_ns')" \
	"$((t_last - t_first))"
contains "info: the span's end is span_ns" "$info_text" \
	"^time span:  0\.000000000 \.\. $(s9 $((t_last - t_first))) "

if command -v babeltrace2 >/dev/null 2>&1; then
	bt_first=$(babeltrace2 "$trace" 2>/dev/null | head -1 | sed -E 's/^\[([^]]*)\].*/\1/')
	is "babeltrace2's first event is the trace's first time" "$bt_first" "$(tod "$t_first")"
	expect_ok "info --abs-time" info --abs-time "$trace"
	contains "info --abs-time: starts at babeltrace2's first event" "$FL_OUT" \
		"^time span:  ${bt_first//./\\.} \.\. [0-9]{2}:[0-9]{2}:$secs \($secs s\)$"
	bt_date=$(babeltrace2 --clock-date "$trace" 2>/dev/null | head -1 | sed -E 's/^\[([^]]*)\].*/\1/')
	is "babeltrace2 --clock-date: the same time, with its date" "$bt_date" \
		"$(date -u -d "@$((t_first / 1000000000))" +%F) $bt_first"
else
	skip "babeltrace2's first event" "babeltrace2 is not installed"
fi

# ---- report ------------------------------------------------------------------
# The fidelity report's times are those of its disagreements: a what-if
# that counts a writer's VMAs write-locked only 100 us after its acquire
# makes some, whatever the model's own precision on this trace.
fdb=$FL_TMP/fid.db
if ! "$FAULTLINE" replay "$trace" -s pervma -o "$db" >/dev/null 2>&1 ||
	! "$FAULTLINE" replay "$trace" -s pervma --set vma_lock_delay=100000 -o "$fdb" >/dev/null 2>&1; then
	not_ok "replay $trace"
	done_testing
	exit
fi
is "the store's first event is info's" "$(q 'select t_first from traces')" "$t_first"

expect_ok "report --fidelity" report --fidelity "$fdb"
contains "fidelity: says what its times are" "$FL_OUT" "^  times: +s since the trace's first event$"
fid=$(sqlite3 "$fdb" "select min(f.fault_id) from faults f join outcomes o using (fault_id)
	where o.fell_back != (f.gt = 'fallback') and f.gt in ('vma', 'fallback')")
ft=$(sqlite3 "$fdb" "select t from faults where fault_id = $fid")
contains "fidelity: a disagreement's time in s since the first event" "$FL_OUT" \
	"^  fault $fid: F[PN], t $(s9 $((ft - t_first))), "
contains "fidelity: its writer's window too" "$FL_OUT" "^ +(lock|syscall) $secs\.\.$secs"
expect_ok "report --fidelity --format json" report --fidelity --format json "$fdb"
printf '%s\n' "$FL_OUT" >"$FL_TMP/f.json"
is "fidelity json: t_first_ns on the trace's clock, t_ns since it" \
	"$(json_get "$FL_TMP/f.json" '$.t_first_ns') $(json_get "$FL_TMP/f.json" '$.disagreements[0].t_ns')" \
	"$t_first $((ft - t_first))"
expect_ok "report --fidelity --abs-time" report --fidelity --abs-time "$fdb"
contains "fidelity --abs-time: the time of day" "$FL_OUT" "^  fault $fid: F[PN], t $(tod "$ft"), "
expect_ok "report --fidelity --abs-time --format json" report --fidelity --abs-time --format json "$fdb"
printf '%s\n' "$FL_OUT" >"$FL_TMP/fa.json"
is "fidelity json --abs-time: still ns since the first event" \
	"$(json_get "$FL_TMP/fa.json" '$.disagreements[0].t_ns')" "$((ft - t_first))"

expect_ok "report --by time" report --by time "$db"
is "--by time: every slice in s since the first event" \
	"$(printf '%s\n' "$FL_OUT" | sed -n '3,$p' | awk '{print $1}' | grep -cvE "^$secs$")" 0
is "--by time: the first slice at 0" "$(printf '%s\n' "$FL_OUT" | sed -n 3p | awk '{print $1}')" \
	0.000000000
expect_ok "report --by time --format csv" report --by time --format csv "$db"
is "--by time csv: t_ns is integer ns since the first event" \
	"$(printf '%s\n' "$FL_OUT" | sed -n 2p | cut -d, -f5) $(printf '%s\n' "$FL_OUT" | sed -n '2,$p' | cut -d, -f5 | grep -cvE '^[0-9]+$')" "0 0"
expect_ok "report --by time --format json" report --by time --format json "$db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/b.json"
is "--by time json: t_ns since the first event" "$(json_get "$FL_TMP/b.json" '$.runs[0].rows[0].t_ns')" 0
expect_ok "report --by writer" report --by writer --top 0 "$db"
is "--by writer: the at column in s since the first event" \
	"$(printf '%s\n' "$FL_OUT" | sed -n '3,$p' | grep -cE " $secs( |$)" | awk '{print ($1 > 0)}')" 1
expect_ok "report --by time --abs-time" report --by time --abs-time "$db"
first=$(printf '%s\n' "$FL_OUT" | sed -n 3p | awk '{print $1}')
if [ -n "${bt_first:-}" ]; then
	is "--by time --abs-time: the first slice at babeltrace2's first event" "$first" "$bt_first"
else
	is "--by time --abs-time: the first slice at the first event's time of day" "$first" \
		"$(tod "$t_first")"
fi

# ---- tui ---------------------------------------------------------------------
tui_need_tmux "the TUI's fault detail"
# One run: the TUI opens on its causes; Enter to a cause's VMAs, its faults,
# the first fault's detail.
# first_fault NAME WHAT TIME: from the run's causes to the first fault's
# detail, checking the faults list shows each fault's time as TIME (a
# pattern); sets ft, that fault's time on the trace's clock.
first_fault() {
	tui_expect "$1: the run's causes" "> causes"
	tui_keys Enter
	tui_expect "$1: a cause by VMA" "by VMA"
	tui_keys Enter
	tui_expect_line "$1: the faults, $2" "^ +[0-9]+ +$3 +[0-9]+ "
	tui_keys Enter
	tui_expect "$1: a fault's detail" "Fault "
	fid=$(tui_screen | grep -oE 'Fault [0-9]+' | head -1 | cut -d' ' -f2)
	ft=$(q "select t from faults where fault_id = ${fid:-0}")
}

tui_start 100 30 TZ=UTC -- tui "$db"
first_fault tui "their time in s since the first event" "$secs"
tui_expect "tui detail: the fault's time in s since the first event" \
	"time      $(s9 $((${ft:-0} - t_first)))  (trace clock ${ft:-?} ns)"
tui_keys / T i m e l i n e Enter
tui_expect_line "tui detail: the timeline's fault row in s since the first event" \
	"^ +$(s9 $((${ft:-0} - t_first))) +$secs +FAULT "
tui_quit "tui: quits"

tui_start 100 30 TZ=UTC -- tui --abs-time "$db"
first_fault "tui --abs-time" "at their time of day" "[0-9]{2}:[0-9]{2}:$secs"
tui_expect "tui --abs-time detail: the fault's time of day" "time      $(tod "${ft:-0}")  "
tui_quit "tui --abs-time: quits"

done_testing
