#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline tui and the store: a database with zero runs, files that are not
# a faultline database (clear errors before the screen is touched), bad
# arguments, and a replay writing the database while the TUI has it open
# (WAL: the TUI never locks it, and shows the new run on ^L), and times at
# the ends of int64.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

schema=$FL_TOP/schemas/outcomes.sql

# ---- refused before any screen ---------------------------------------------------
echo "not a database" >"$FL_TMP/text.db"
expect_fail "a text file: not a faultline database" 1 "not a faultline database: not an SQLite database" \
	tui "$FL_TMP/text.db"
sqlite3 "$FL_TMP/other.db" "CREATE TABLE t (a); INSERT INTO t VALUES (1);"
expect_fail "another program's SQLite database" 1 "not a faultline database: an SQLite database with no application_id" \
	tui "$FL_TMP/other.db"
sqlite3 "$FL_TMP/future.db" <"$schema" && sqlite3 "$FL_TMP/future.db" "PRAGMA user_version = 99"
expect_fail "a newer schema" 1 "store schema version 99, newer than this faultline reads" \
	tui "$FL_TMP/future.db"
expect_fail "a missing file" 1 "nope.db: No such file or directory" tui "$FL_TMP/nope.db"
expect_fail "a directory" 1 "a directory, not a faultline database" tui "$FL_TMP"
expect_fail "two DBs" 2 "one DB only \('.*b.db' is extra\)" tui "$FL_TMP/a.db" "$FL_TMP/b.db"
# No DB argument: faultline.db in the current directory, as report reads it.
mkdir "$FL_TMP/nodb" "$FL_TMP/withdb"
(cd "$FL_TMP/nodb" && run_fl tui && printf '%s\n' "$FL_RC" "$FL_ERR" >"$FL_TMP/nodb.res")
rc=$(head -n1 "$FL_TMP/nodb.res"); msg=$(tail -n +2 "$FL_TMP/nodb.res")
is "no DB and no faultline.db here: exit 1" "$rc" 1
contains "no DB and no faultline.db here: the error names it" "$msg" \
	"^faultline: faultline.db: No such file or directory"
contains "no DB and no faultline.db here: the hint says how to write one" "$msg" \
	"faultline replay TRACE .*-o faultline.db"
sqlite3 "$FL_TMP/withdb/faultline.db" <"$schema"
(cd "$FL_TMP/withdb" && run_fl tui && printf '%s\n' "$FL_RC" "$FL_ERR" >"$FL_TMP/withdb.res")
rc=$(head -n1 "$FL_TMP/withdb.res"); msg=$(tail -n +2 "$FL_TMP/withdb.res")
is "no DB: faultline.db of the current directory is opened and checked (exit 1, no terminal)" \
	"$rc" 1
contains "no DB: past the store's checks to the terminal check" "$msg" \
	"needs a terminal on stdin and stdout"
contains "no DB: the hint names faultline.db" "$msg" "faultline report faultline.db"
echo "not a database" >"$FL_TMP/withdb/faultline.db"
(cd "$FL_TMP/withdb" && run_fl tui && printf '%s\n' "$FL_RC" "$FL_ERR" >"$FL_TMP/withdb.res")
contains "no DB: a faultline.db that is not a database is named" "$(cat "$FL_TMP/withdb.res")" \
	"faultline.db: not a faultline database"
# The command line through the shared option parser (lib/fl_opt.h): the
# messages report gives, the options block of the help from its table.
expect_fail "--run not a number" 2 "--run takes a run id \\(a positive integer\\), not 'x'" \
	tui --run x "$FL_TMP/a.db"
expect_fail "--run 0" 2 "--run takes a run id" tui --run 0 "$FL_TMP/a.db"
expect_fail "an unknown option" 2 "unknown option '--frobnicate'" tui --frobnicate "$FL_TMP/a.db"
expect_fail "a near miss: did you mean" 2 "did you mean '--run'" tui --rnu 2 "$FL_TMP/a.db"
expect_fail "--run without its value" 2 "option '--run' needs a value" tui --run
expect_ok "tui --help" tui --help
contains "the help's options block names --run" "$FL_OUT" '^  -r, --run N +open run N'
contains "... and the keys after it" "$FL_OUT" '^keys \(\? shows them in the TUI\):$'
sqlite3 "$FL_TMP/empty.db" <"$schema"
expect_fail "not a terminal" 1 "needs a terminal on stdin and stdout" tui "$FL_TMP/empty.db"
expect_fail "--run of a run the database lacks" 1 "no run 7: the database holds no runs" \
	tui --run 7 "$FL_TMP/empty.db"
run_fl help tui
if [ "$FL_RC" = 0 ] && printf '%s\n' "$FL_OUT" | grep -q "usage: faultline tui \[--run N\] \[--abs-time\] \[DB\]"; then
	ok "faultline help tui"
else
	not_ok "faultline help tui" "$FL_OUT"
fi
run_fl --help
printf '%s\n' "$FL_OUT" | grep -qE '^ +tui +browse' && ok "tui in the command list" ||
	not_ok "tui in the command list" "$FL_OUT"

tui_need_tmux "faultline tui on an empty database, and during a replay"

# ---- zero runs, then a replay while the TUI is open ---------------------------------
db=$FL_TMP/empty.db
tui_start 80 24 -- tui "$db"
tui_expect "zero runs: says so" "empty.db holds no runs yet."
tui_expect "zero runs: how to fill it" "faultline replay traces/x86_64/node-gc -s all -o"
tui_keys Enter j G
tui_expect "zero runs: keys do no harm" "holds no runs yet"
if "$FL_BUILD/faultline" replay traces/x86_64/node-gc -s pervma -o "$db" >"$FL_TMP/replay.out" 2>&1; then
	ok "a replay writes the database the TUI has open"
else
	not_ok "a replay writes the database the TUI has open" "$(cat "$FL_TMP/replay.out")"
fi
tui_keys C-l
tui_expect_line "^L: the new run appears" "^ +1 node-gc +pervma +6\.15\+ +0 +20686 "
tui_keys Enter
tui_expect "its causes open" " run 1 pervma 6.15+ > causes"
# A second replay while the TUI sits on a run's causes.
"$FL_BUILD/faultline" replay traces/x86_64/node-gc -s classic -o "$db" >"$FL_TMP/replay.out" 2>&1 &
rpid=$!
tui_keys Enter BSpace j k
wait "$rpid" && ok "a second replay, while the TUI reads, completes" ||
	not_ok "a second replay, while the TUI reads, completes" "$(cat "$FL_TMP/replay.out")"
tui_keys r
tui_expect_line "r: the runs list read again shows the second run" "^ +2 node-gc +classic "
tui_quit "q quits"
is "the database is intact" "$(sqlite3 "$db" "PRAGMA integrity_check")" ok
is "both runs whole" "$(sqlite3 "$db" "SELECT count(*) FROM outcomes")" 41372

# ---- a trace span of the whole int64 range -------------------------------------------
# Any store may hold such times (a fuzzed one did): the time strips place
# each fault in the span without overflowing it (under UBSan, an overflow
# is a report on stderr, which tui_quit fails).
wide=$FL_TMP/wide.db
tui_replay "$wide" -s pervma
sqlite3 "$wide" "UPDATE traces SET t_first = -9223372036854775808, t_last = 9223372036854775807"
tui_start 80 24 -- tui "$wide"
# One run: the TUI opens on its causes.
tui_expect "the whole int64 span: the causes and their time strips" " run 1 pervma 6.15+ > causes"
tui_quit "the whole int64 span: quits cleanly"

done_testing
