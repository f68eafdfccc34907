#!/bin/bash
# faultline tui behaves like tig at 80x24: q and Esc close the view, Q quits,
# / searches with n and N, P saves the screen to a file it names; no two
# rows show the same name for different causes; the runs list tells runs
# apart by seed and knobs; the fault detail says why its wait is what it is.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

tui_need_tmux "faultline tui as tig"

db=$FL_TMP/all.db
tui_replay "$db" -s all
tui_replay "$db" -s spf --seeds 2 --set jitter_ns=2000
q() { sqlite3 "$db" "$1"; }
cd "$FL_TMP" || exit 1

tui_start 80 24 -- tui "$db"
tui_expect "the runs list" " runs  ["

# ---- the runs list tells runs apart ------------------------------------------------
tui_expect_line "run 5: seed 0 and its one non-default knob" \
	"^ +5 node-gc +spf +v12 +0 +.* jitter_ns=2000$"
tui_expect_line "run 6: seed 1, same knob" "^ +6 node-gc +spf +v12 +1 +.* jitter_ns=2000$"
tui_expect_line "run 3: all knobs default" "^ +3 node-gc +spf +v12 +0 +.* default$"
is "no two run rows read the same" "$(tui_screen | sed -n '5,13p' | sed 's/^ *[0-9]* //' | sort | uniq -d)" ""

tui_keys G k Enter
tui_expect "run 5's causes" " run 5 spf v12 > causes"
tui_expect "... its seed and non-default knob on the context line" \
	"696 unplaced; seed 0, jitter_ns=2000"
tui_keys q
tui_expect "q: back to the runs" " runs  ["
tui_keys g

# ---- q, Esc close the view; Q quits ------------------------------------------------
tui_keys Down Down Down Enter
tui_expect "run 4's causes" " run 4 spf-mmseq > causes"
tui_keys Enter
tui_expect "a cause by VMA" "> by VMA"
tui_keys Escape
tui_expect "Esc closes the view: back to the causes" " run 4 spf-mmseq > causes  ["
tui_keys Enter
tui_expect "a cause by VMA again" "> by VMA"
tui_keys q
tui_expect "q closes the view: back to the causes" " run 4 spf-mmseq > causes  ["
tui_keys q
tui_expect "q again: the runs list" " runs  ["
tui_keys Escape
tui_expect "Esc on the runs list stays, and says how to quit" "this is the first view: Q quits"
tui_expect "... still the runs list" " runs  ["

# ---- no two identical names for different causes at 80x24 ---------------------------------
tui_keys G
tui_keys k k
tui_expect "the spf-mmseq run under the cursor" "$(q "select knobs from runs where run_id = 4" | cut -c1-60)"
tui_keys Enter
tui_expect "run 4's causes" " run 4 spf-mmseq > causes"
n=$(q "select count(*) from cause_counts where run_id = 4")
rows=$(tui_screen | sed -n "6,$((5 + n))p")
is "a row per cause" "$(printf '%s\n' "$rows" | grep -c .)" "$n"
# the counter and reason columns as shown: no two the same
names=$(printf '%s\n' "$rows" | cut -c1-36 | sort)
is "no two rows show the same counter and reason" "$(printf '%s\n' "$names" | uniq -d)" ""
# the two rows by their counts
seq1=$(printf '%s\n' "$rows" | grep -E " $(q "select n from cause_counts where run_id = 4 and counter = 'SPF_ABORT_PTE_MAP_LOCK_SEQ1'") +[0-9.]+% " | cut -c2-16)
seq2=$(printf '%s\n' "$rows" | grep -E " $(q "select n from cause_counts where run_id = 4 and counter = 'SPF_ABORT_PTE_MAP_LOCK_SEQ2'") +[0-9.]+% " | cut -c2-16)
[ -n "$seq1" ] && [ -n "$seq2" ] && [ "$seq1" != "$seq2" ] &&
	ok "SPF_ABORT_PTE_MAP_LOCK_SEQ1 and _SEQ2 read apart ($seq1, $seq2)" ||
	not_ok "SPF_ABORT_PTE_MAP_LOCK_SEQ1 and _SEQ2 read apart" "got '$seq1' and '$seq2'" "$rows"
printf '%s\n' "$rows" | grep -q 'SEQ1 ' && printf '%s\n' "$rows" | grep -q 'SEQ2 ' &&
	ok "... their ends are shown" || not_ok "... their ends are shown" "$rows"
# the row under the cursor in full on the status line
tui_keys g
first=$(q "select counter from cause_counts where run_id = 4 order by fell_back desc, n desc limit 1")
tui_expect_line "the cut cell of the row under the cursor, in full on the status line" \
	"^counter: $first\$"

# ---- / search, n, N -----------------------------------------------------------------
tui_keys / L O C K _ S E Q
tui_expect_line "/: the search prompt" "^/LOCK_SEQ$"
tui_keys Enter
tui_expect_line "/ jumps to the first match" "^counter: SPF_ABORT_PTE_MAP_LOCK_SEQ1 "
tui_keys n
tui_expect_line "n: the next match" "^counter: SPF_ABORT_PTE_MAP_LOCK_SEQ2 "
tui_keys n
tui_expect "n past the last match wraps, and says so" "search hit BOTTOM, continuing at TOP"
tui_expect_line "... back on the first match" "^ SPF_ABO~CK_SEQ1 "
tui_keys N
tui_expect "N: the previous match, wrapping backwards" "search hit TOP, continuing at BOTTOM"
tui_keys N
tui_expect_line "N again: the one before" "^counter: SPF_ABORT_PTE_MAP_LOCK_SEQ1 "
tui_keys / n o - s u c h Enter
tui_expect "a search nothing matches says so" "not found: no-such"
tui_keys / Escape
tui_expect_gone "Esc leaves the prompt" "/no-such"

# ---- P saves the screen ---------------------------------------------------------------
tui_keys g P
tui_expect "P: names the file" "saved the screen to faultline-tui.0.txt"
tui_wait_gone "saved the screen" >/dev/null
if [ -s faultline-tui.0.txt ]; then
	is "the file holds 24 lines" "$(wc -l <faultline-tui.0.txt)" 24
	is "... the title line as on the screen" "$(sed -n 1p faultline-tui.0.txt)" \
		" run 4 spf-mmseq > causes  [$db]"
	grep -q '^ spf_attempt  *ok ' faultline-tui.0.txt && ok "... the rows as text" ||
		not_ok "... the rows as text" "$(cat faultline-tui.0.txt)"
else
	not_ok "P wrote faultline-tui.0.txt in the current directory" "$(ls)"
fi
tui_keys P
tui_expect "P again: a new file, never over the last" "saved the screen to faultline-tui.1.txt"

# ---- the fault detail: the thread's shift and why the wait --------------------------------
tui_keys q
tui_expect "q: back to the runs list" " runs  ["
tui_keys g Enter
tui_expect "run 1 classic" " run 1 classic > causes"
# a classic fault a writer held mmap_lock around, yet waiting 0ns: the
# thread was behind the trace already
fid=$(q "select o.fault_id from outcomes o join faults f on f.trace_id = 1 and f.fault_id = o.fault_id
	join writers w on w.trace_id = 1
	and coalesce(w.t_lock_acquired, w.t_lock_start, w.t_enter) <= f.t
	and f.t < coalesce(w.t_lock_released, w.t_exit, w.t_lock_acquired, w.t_enter)
	where o.run_id = 1 and o.lock_wait = 0 and o.path = 'mmap_lock' order by o.fault_id limit 1")
tid=$(q "select tid from faults where trace_id = 1 and fault_id = $fid")
tui_keys Enter Tab
tui_expect "the cause by thread" "> by thread"
tui_keys / "$tid" Enter Enter
tui_expect "the thread's faults" "> thread $tid > faults"
tui_keys / "$fid" Enter Enter
tui_expect "fault $fid" " run 1 classic > fault $fid "
tui_expect "the detail says why the wait" "Why the lock wait is 0ns"
tui_expect_line "the shift: the run's waits of the thread's earlier faults" \
	"^   shift     \+[0-9.]+[nmu]?s: the thread runs that much behind the trace"
tui_expect_line "... from the waits of its earlier faults, here and traced" "earlier faults' mmap_lock waits: .* here, 0ns traced"
tui_expect_line "the writer it misses, and why" "^   no wait   writer #[0-9]+ [a-z]+ held it at the traced time"
tui_expect "... it asks after the release" "behind, asks after the release"
tui_keys / T i m e l i n e Enter
tui_expect "/ in the detail: scrolls to the line found" "Timeline: writers on this VMA"
# the line found is shown in reverse video
hit() { tui_tmux capture-pane -e -p -t tui | grep $'\e\[7m' | sed 's/\x1b\[[0-9;]*m//g'; }
# searching on from the line found: the timeline's first mprotect
tui_keys / m p r o t e c t Enter
for i in $(seq 1 50); do hit | grep -q mprotect && break; sleep 0.05; done
first=$(hit)
case "$first" in
*" mprotect "*[0-9]" node "*) ok "/ in the detail: the next line with the match, marked" ;;
*) not_ok "/ in the detail: the next line with the match, marked" "marked: $first" ;;
esac
tui_keys n
tui_wait_gone "$first" >/dev/null
for i in $(seq 1 50); do [ "$(hit)" != "$first" ] && break; sleep 0.05; done
case "$(hit)" in
*" mprotect "*[0-9]" node "*) ok "n in the detail: the next match" ;;
*) not_ok "n in the detail: the next match" "marked: $(hit)" ;;
esac
tui_keys N
for i in $(seq 1 50); do [ "$(hit)" = "$first" ] && break; sleep 0.05; done
is "N in the detail: back to the one before" "$(hit)" "$first"
tui_keys Escape
tui_expect "Esc closes the detail" "> thread $tid > faults"

tui_quit "Q quits from a deep view, exit 0"
tui_expect "the shell's screen is back" "EXIT-TUI"

done_testing
