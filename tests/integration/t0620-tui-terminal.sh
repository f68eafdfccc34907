#!/bin/bash
# faultline tui and the terminal, through tmux: 80x24 and resizing, the
# "terminal too small" screen, colour only where the terminal has it and
# NO_COLOR is unset, ASCII bars outside UTF-8, and quitting restores the
# terminal (the shell's screen back, cooked mode with echo).
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

tui_need_tmux "faultline tui and the terminal"

db=$FL_TMP/all.db
tui_replay "$db" -s all
resize() { tui_tmux resize-window -t tui -x "$1" -y "$2"; }

# ---- 80x24, then resized ------------------------------------------------------
tui_start 80 24 -- tui "$db"
tui_expect "80x24: the runs list" " runs  ["
tui_expect_line "80x24: the key hints on the last line" "^Enter causes .* \? help  Q quit"
tui_keys G Enter
tui_expect "80x24: the causes" " run 4 spf-mmseq > causes"
tui_expect_line "80x24: the p99 column in full" " p99$"
resize 120 40
tui_expect_line "120x40: the wider screen used: the strip runs to column 119" "^ aborts .{108}"
tui_expect_line "120x40: counters and reasons no longer cut" \
	"^ SPF_ABORT_PUD +walk: no PMD table \(pud_none\) "
resize 79 24
tui_expect "79x24: terminal too small" "terminal too small: 79x24"
tui_expect "79x24: says what it needs" "faultline tui needs 80x24"
resize 80 23
tui_expect "80x23: terminal too small" "terminal too small: 80x23"
resize 40 10
tui_expect "40x10: terminal too small" "terminal too small: 40x10"
tui_keys j Enter
resize 80 24
tui_expect "back to 80x24: the view again" " run 4 spf-mmseq > causes"
tui_expect_line "keys on the small screen did nothing: the cursor still on the first row" \
	"^counter: SPF_ABORT_NO_SPECULATE$"
is "still the causes view, not a cause's" "$(tui_screen | grep -c '> by VMA')" 0
resize 60 20
tui_expect "60x20: too small" "terminal too small: 60x20"
tui_quit "q quits on the too-small screen" q
tui_expect "the shell's screen is back after q" "EXIT-TUI"
tui_expect_line "cooked mode with echo after q" "^icanon echo"
tui_expect "the screen before the TUI is restored (alternate screen left)" "BEFORE-TUI"
is "no TUI text left on the shell's screen" "$(tui_screen | grep -c 'spf-mmseq')" 0
tui_stop

# ---- colour -------------------------------------------------------------------------
colour_re=$'\e\\[([0-9]*;)*(3[0-7]|4[0-7]|38|48|9[0-7])[;m]'
tui_start 80 24 -- tui "$db"
tui_expect "colour: the runs list" " runs  ["
n=$(tui_tmux capture-pane -e -p -t tui | grep -cE "$colour_re")
[ "$n" -gt 0 ] && ok "colour on a colour terminal" || not_ok "colour on a colour terminal" "no colour escapes in the pane"
tui_quit "q quits"
tui_start 80 24 NO_COLOR=1 -- tui "$db"
tui_expect "NO_COLOR: the runs list" " runs  ["
tui_keys G Enter
tui_expect "NO_COLOR: the causes" " run 4 spf-mmseq > causes"
n=$(tui_tmux capture-pane -e -p -t tui | grep -cE "$colour_re")
is "NO_COLOR=1: no colour at all" "$n" 0
n=$(tui_tmux capture-pane -e -p -t tui | grep -c $'\e\\[[0-9;]*7m')
[ "$n" -gt 0 ] && ok "NO_COLOR=1: the cursor row still in reverse video" ||
	not_ok "NO_COLOR=1: the cursor row still in reverse video" "no reverse video in the pane"
tui_quit "q quits"
tui_start 80 24 TERM=vt100 -- tui "$db"
tui_expect "TERM=vt100: the runs list" " runs  ["
n=$(tui_tmux capture-pane -e -p -t tui | grep -cE "$colour_re")
is "TERM=vt100 (no colours): no colour" "$n" 0
tui_quit "q quits"

# ---- not UTF-8: ASCII bars --------------------------------------------------------
tui_start 80 24 LANG=C LC_ALL=C -- tui --run 4 "$db"
tui_expect "LANG=C: the causes" " run 4 spf-mmseq > causes"
tui_expect_line "LANG=C: ASCII bars" "^ spf_attempt +ok .*% #+ "
tui_quit "q quits"

done_testing
