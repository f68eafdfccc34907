#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# Texts that came from a trace (a thread's comm, the trace path) never
# reach a terminal raw: info, the report and diff tables, the replay
# summary and the CSV of report and export print them escaped
# (lib/fl_escape.c: \e, \xNN); JSON escapes them its own way (\u001b).
# The comm is one any process can set: ESC [2J clears the screen, ESC ]0;
# ... BEL retitles the window.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
evil=$(printf '\033[2J\033]0;pwned\a')
escaped='\e[2J\e]0;pwned\x07'

# raw WHAT TEXT: TEXT holds no ESC, BEL or other control byte but newline.
raw() {
	if printf '%s' "$2" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'; then
		not_ok "$1: no control character" "$(printf '%s' "$2" | LC_ALL=C grep -n $'[\x01-\x09\x0b-\x1f\x7f]' | cat -v | head -3)"
	else
		ok "$1: no control character"
	fi
}
has() {
	case $2 in *"$3"*) ok "$1" ;; *) not_ok "$1" "no '$3' in:" "$(printf '%s' "$2" | cat -v | head -20)" ;; esac
}

# ---- a database whose trace has such a comm ------------------------------------
db=$FL_TMP/e.db
expect_ok "a database of two runs of mmchurn" replay -s all "$mmchurn" -o "$db"
tid=$(sqlite3 "$db" 'select tid from threads order by faults desc limit 1')
sqlite3 "$db" "update threads set comm = char(27)||'[2J'||char(27)||']0;pwned'||char(7) where tid = $tid;
	update traces set path = path || char(27) || '[31m'"

run_fl report --by thread "$db"
raw "report --by thread" "$FL_OUT"
has "... shows the comm escaped (cut to fit)" "$FL_OUT" '\e[2J\e]0;'
run_fl report "$db"
raw "report" "$FL_OUT"
has "... shows the trace path escaped" "$FL_OUT" 'mmchurn\e[31m'
run_fl report --by thread --format csv "$db"
raw "report --by thread --format csv" "$FL_OUT"
has "... escaped" "$FL_OUT" "$escaped"
run_fl report --by thread --format json "$db"
raw "report --by thread --format json" "$FL_OUT"
has "... JSON escapes it as JSON" "$FL_OUT" '\u001b[2J\u001b]0;pwned\u0007'
run_fl report --fidelity "$db"
raw "report --fidelity" "$FL_OUT"
run_fl diff --by thread "$db" 1 2
raw "diff --by thread" "$FL_OUT"
has "... escaped" "$FL_OUT" "$escaped"
run_fl export --table threads "$db"
raw "export --table threads (CSV)" "$FL_OUT"
has "... escaped" "$FL_OUT" "$escaped"
run_fl export --table traces "$db"
raw "export --table traces (CSV)" "$FL_OUT"

# RFC 4180: a field with a comma or a quote is quoted, its quotes doubled;
# a line break inside a field is escaped as well (one record, one line).
sqlite3 "$db" "update threads set comm = 'a,\"b' || char(10) || 'c' where tid = $tid"
run_fl export --table threads "$db"
has "export CSV: comma, quote and newline in a field" "$FL_OUT" ",\"a,\"\"b\\nc\","
is "... one line per row" "$(printf '%s\n' "$FL_OUT" | wc -l)" "$(($(sqlite3 "$db" 'select count(*) from threads') + 1))"

# ---- info and replay on a recorded trace of a program that names itself -------
sc=$FL_BUILD/tests/workloads/setcomm
why=""
if [ "$(id -u)" -ne 0 ]; then
	why="needs root to record"
elif ! command -v lttng-sessiond >/dev/null; then
	why="lttng-sessiond is not installed (scripts/install-deps installs lttng-tools)"
elif [ ! -d /sys/kernel/tracing/events ] && ! mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	why="tracefs is not available on this kernel"
fi
if [ -n "$why" ]; then
	for c in "record a program that sets its comm" "info" "info shows the comm escaped" \
		"replay" "replay summary"; do skip "$c" "$why"; done
	done_testing
	exit
fi
"$FAULTLINE" record -q -o "$FL_TMP/t" -- "$sc" "$evil" >/dev/null 2>"$FL_TMP/rec.err"
is "record a program that sets its comm" "$?" 0
run_fl info "$FL_TMP/t"
raw "info" "$FL_OUT"
has "info shows the comm escaped" "$FL_OUT" "$escaped"
run_fl replay "$FL_TMP/t" -o "$FL_TMP/t.db"
is "replay" "$FL_RC" 0
raw "replay summary" "$FL_OUT"

done_testing
