#!/bin/bash
# faultline tui over a run that grows: R reads the database again and
# rebuilds the views in place (the view, its filter and its cursor kept); a
# run marked live (meta run_state:ID, as replay --live writes it) is read
# again every 2 s without a key; "live" and "cut short" show in the runs
# list and the titles.  The growth is made with sqlite3 on a replayed
# database, as a live replay's batches make it: the run's rows change
# between two reads of the TUI.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

if ! tui_have_tmux; then
	skip "the TUI follows a growing run" "tmux is not installed (scripts/install-deps installs it)"
	done_testing
	exit
fi
trap 'tui_stop; rm -rf "$FL_TMP"' EXIT

db=$FL_TMP/live.db
"$FAULTLINE" replay -s pervma -o "$db" "$FL_TOP/traces/x86_64/mmchurn" >"$FL_TMP/replay.out" 2>&1 ||
	not_ok "replay" "$(cat "$FL_TMP/replay.out")"
faults=$(sqlite3 "$db" "select faults from runs where run_id = 1")
# As the first batches of a live replay left it: fewer faults, marked live.
sqlite3 "$db" "update runs set faults = 7 where run_id = 1;
	insert into meta (key, value) values ('run_state:1', 'live')"

tui_start 100 30 -- tui "$db"
tui_expect "a live run says so in its title" "run 1 pervma 6.15+ (live) > causes"
tui_expect "the first batch's count" "mmchurn: 7 faults"
# A filter and a cursor that R must keep.
tui_keys '|' o k Enter j
tui_expect "the filter is on" "filter: ok ("

sqlite3 "$db" "update runs set faults = 70 where run_id = 1; delete from meta where key = 'run_state:1';
	insert into meta (key, value) values ('run_state:1', 'live')"
tui_keys R
tui_expect "R: the count has grown" "mmchurn: 70 faults"
tui_expect "R: the view and its filter are kept" "filter: ok ("
tui_expect "R: still the causes of run 1" "run 1 pervma 6.15+ (live) > causes"

# Deeper: a cause's faults, the cursor on the third; R keeps the stack of
# views and the cursor's fault.
tui_keys '|' Enter Enter Enter j j Enter
tui_wait "> fault " || true
want=$(tui_screen | grep -o '> fault [0-9]*' | head -1)
tui_keys q R Enter
if [ -n "$want" ] && tui_wait "$want"; then ok "R keeps the views and the cursor's row"; else
	not_ok "R keeps the views and the cursor's row" "want: $want" "$(tui_screen)"; fi
tui_keys q q q

# No key now: a live run is read again every 2 s.
sqlite3 "$db" "update runs set faults = $faults where run_id = 1"
tui_expect "a live run is read again without a key" "mmchurn: $faults faults"

# Cut short, and the runs list.
sqlite3 "$db" "update meta set value = 'cut short' where key = 'run_state:1'"
tui_keys R
tui_expect "R: a run cut short says so" "run 1 pervma 6.15+ (cut short) > causes"
tui_keys r j
tui_expect "the runs list marks it (the cut cell in full on the status line)" "mmchurn [cut short]"
tui_keys Q
if tui_wait "EXIT-TUI"; then is "Q quits, status 0" "$(cat "$FL_TMP/tui.rc")" 0; else
	not_ok "Q quits, status 0" "$(tui_screen)"; fi

# The help names R.
tui_start 100 40 -- tui "$db"
tui_keys '?'
tui_expect "the help lists R" "read everything again, in place"
tui_keys q Q

done_testing
