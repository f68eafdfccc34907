#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline tui, key by key, through tmux at 80x24: each key of the help
# (?) and what it does on the screen.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

tui_need_tmux "faultline tui keys"

db=$FL_TMP/all.db
one=$FL_TMP/one.db
tui_replay "$db" -s all
tui_replay "$one" -s pervma
q() { sqlite3 "$db" "$1"; }
knobs() { echo "knobs $(q "select knobs from runs where run_id = $1")" | cut -c1-70; }
# The first row of the list (line 4 of the screen under the column titles
# of most views; line 5 in the runs view, line 6 in the causes view).
row() { tui_screen | sed -n "${1}p"; }

tui_start 80 24 -- tui "$db"
tui_expect "the runs list, run 1 under the cursor" "$(knobs 1)"

# ---- moving ----------------------------------------------------------------
tui_keys j
tui_expect "j: down to run 2" "$(knobs 2)"
tui_keys Down
tui_expect "Down: down to run 3" "$(knobs 3)"
tui_keys k
tui_expect "k: up to run 2" "$(knobs 2)"
tui_keys Up
tui_expect "Up: up to run 1" "$(knobs 1)"
tui_keys G
tui_expect "G: the last run" "$(knobs 4)"
tui_keys g
tui_expect "g: the first run" "$(knobs 1)"
tui_keys End
tui_expect "End: the last run" "$(knobs 4)"
tui_keys Home
tui_expect "Home: the first run" "$(knobs 1)"

# ---- Enter, Backspace, Left, Right -------------------------------------------
tui_keys Enter
tui_expect "Enter: the run's causes" " run 1 classic > causes"
tui_keys BSpace
tui_expect "Backspace: back to the runs" " runs  ["
tui_keys Right
tui_expect "Right: drills in like Enter" " run 1 classic > causes"
tui_keys Left
tui_expect "Left: back like Backspace" " runs  ["
tui_keys BSpace
tui_expect "Backspace on the first view says so" "this is the first view: Q quits"

# ---- PgDn / PgUp on a long list: classic's faults of its biggest thread ----------
tui_keys Enter Enter Tab
tui_expect "a cause by thread" "run 1 classic > mmap_lock > by thread"
tui_keys Enter
tui_expect "a long list of faults" "> thread"
first=$(row 4)
tui_keys NPage
tui_wait_gone "$first" >/dev/null
# After one page the first row shown is the list's 21st (20 rows a page).
tid=$(tui_screen | sed -n 1p | grep -oE 'thread [0-9]+' | cut -d' ' -f2)
f21=$(q "select o.fault_id from outcomes o join faults f on f.trace_id = 1 and f.fault_id = o.fault_id
	where o.run_id = 1 and o.counter = 'mmap_lock' and o.reason = 'ok' and f.tid = $tid
	order by o.fault_id limit 1 offset 20")
tui_expect_line "PgDn: one page down, fault $f21 on top" "^ +$f21 "
tui_keys PPage
tui_expect_line "PgUp: back to the first page" "^${first//+/\\+}\$"
tui_keys C-f
tui_expect_line "^F: one page down" "^ +$f21 "
tui_keys C-b
tui_expect_line "^B: one page up" "^${first//+/\\+}\$"
tui_keys Space
tui_expect_line "Space: one page down" "^ +$f21 "

# ---- | filter -----------------------------------------------------------------
tui_keys r
tui_expect "r: back to the runs list to pick a run" "pick a run: Enter opens it"
tui_expect "r: the cursor on the run it came from" "$(knobs 1)"
tui_keys G Enter
tui_expect "run 4's causes" " run 4 spf-mmseq > causes"
tui_keys '|'
tui_expect_line "|: the filter prompt" "^filter:"
tui_keys P U D
tui_expect "|: the filter as typed" "filter: PUD"
tui_keys Enter
tui_expect "|: the filter on the context line, with the rows left" "filter: PUD (1 rows)"
rows=$(tui_screen | sed -n '6,23p' | grep -c '[a-z]')
is "|: one row left" "$rows" 1
tui_expect_line "|: the row that matches" "^ SPF_ABORT_PUD "
tui_keys F
tui_expect_line "F: the filter prompt too, empty" "^filter: ?$"
tui_keys Enter
tui_expect_gone "| with an empty line clears the filter" "filter: PUD"
tui_keys '|' o d d Enter
tui_expect "| matches without case" "filter: odd (1 rows)"
tui_keys '|' x Escape
tui_expect "Esc keeps the filter before" "filter: odd (1 rows)"
tui_keys '|' Up
tui_expect_line "Up in the prompt: the last filter" "^filter: odd$"
tui_keys Up
tui_expect_line "Up again: the one before" "^filter: PUD$"
tui_keys Down
tui_expect_line "Down: back to the last" "^filter: odd$"
tui_keys Down
tui_expect_line "Down again: the empty line" "^filter: ?$"
tui_keys Escape
tui_keys '|' n o - s u c h Enter
tui_expect "a filter nothing matches says so, and how to change it" "no row matches the filter: | to change it"
tui_keys '|' Enter

# ---- s sort ----------------------------------------------------------------------
tui_keys s
tui_expect "s: sort on the next column" "sorted on count"
tui_keys s
tui_expect "s again: the next" "sorted on share"
tui_keys s
tui_expect "s skips the bar" "sorted on mean"
top=$(q "select counter from outcomes where run_id = 4 group by counter, reason
	order by avg(latency) desc limit 1")
tui_expect_line "sorted on mean: the slowest cause first ($top)" "^ ${top:0:7}"
tui_keys s s
tui_expect "s past the last column: as read" "sorted as read"
tui_keys s
tui_expect "s wraps to the first column" "sorted on counter"
tui_expect_line "sorted on counter: alphabetical" "^ \(none\) "

# ---- Tab outside a cause --------------------------------------------------------------
tui_keys Tab
tui_expect "Tab outside a cause says what it does" "Tab switches VMA/thread/writer"

# ---- d compare -----------------------------------------------------------------------
tui_keys d
tui_expect "d: pick run B" "compare run 4 with: pick a run, Enter"
tui_keys G Enter
tui_expect "d: run A itself cannot be B" "that is run A itself"
tui_keys g Enter
tui_expect "d: Enter compares" "compare: A = run 4 spf-mmseq, B = run 1 classic"
tui_keys BSpace
tui_expect "Backspace leaves the compare view" " run 4 spf-mmseq > causes"

# ---- ? help ----------------------------------------------------------------------------
tui_keys '?'
tui_expect "?: the help" "faultline tui: keys"
for k in "Up/k  Down/j" "PgUp/^B  PgDn/^F/Space" "g/Home  G/End" "Enter/Right" \
	"Backspace/Left" "q/Esc" "Tab " "/  n  N" "./F" "s " "r " "d " "^L" "P " "?/h/F1" "Q "; do
	tui_expect_line "help lists $k" "^  ${k//[\/\^?]/.} +[a-z]"
done
tui_keys x
tui_expect_gone "any key closes the help" "faultline tui: keys"
tui_keys h
tui_expect "h: the help too" "faultline tui: keys"
tui_keys Escape
tui_expect_gone "Esc closes it" "faultline tui: keys"

# ---- ^L reads the runs again ---------------------------------------------------------
tui_keys C-l
tui_expect "^L redraws the view" " run 4 spf-mmseq > causes"

# ---- q ------------------------------------------------------------------------------
tui_quit "Q quits from any view, exit 0"
tui_expect "q: the shell's screen is back" "EXIT-TUI"
tui_stop

# ---- d with one run ---------------------------------------------------------------------
tui_start 80 24 -- tui "$one"
tui_expect "one run" " run 1 pervma 6.15+ > causes"
tui_keys d
tui_expect "d with one run: nothing to compare" "the database holds one run: nothing to compare"
tui_quit "q quits"

done_testing
