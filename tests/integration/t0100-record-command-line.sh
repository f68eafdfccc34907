#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# record's command line reaches the recorded command whole: the words after
# "--", or after the first word that is not an option, are the command's,
# options, "--" and "--help" too (t0005-record-cli.sh checks the rest of
# the command line without recording).  The command runs at the nice value
# faultline was started with, while the recorder raises its own.
. "$FL_TOP/tests/lib.sh"

checks=(
	"-- CMD: record exits 0" "-- CMD: the options after it reach CMD"
	"CMD without --: record exits 0" "CMD without --: the options after it reach CMD"
	"the command's exit status is reported"
	"the command runs at faultline's nice" "the recorder reads the rings at nice -10"
)
need_recording root lttng tracefs -- "${checks[@]}"
cd "$FL_TMP" || exit 1

# A command that writes its arguments, one a line, to the file named by $0.
dump='printf "%s\n" "$@" >"$0"'

"$FAULTLINE" record -q -o "$FL_TMP/t1" -- /bin/sh -c "$dump" "$FL_TMP/a1" -x --help -o -- -q \
	>"$FL_TMP/r1.out" 2>"$FL_TMP/r1.err"
is "-- CMD: record exits 0" "$? $(cat "$FL_TMP/r1.err")" "0 "
is "-- CMD: the options after it reach CMD" "$(tr '\n' ' ' <"$FL_TMP/a1" 2>&1)" "-x --help -o -- -q "

"$FAULTLINE" record -q -o "$FL_TMP/t2" /bin/sh -c "$dump" "$FL_TMP/a2" -d 1 -p 0 --bogus -h \
	>"$FL_TMP/r2.out" 2>"$FL_TMP/r2.err"
is "CMD without --: record exits 0" "$? $(cat "$FL_TMP/r2.err")" "0 "
is "CMD without --: the options after it reach CMD" "$(tr '\n' ' ' <"$FL_TMP/a2" 2>&1)" "-d 1 -p 0 --bogus -h "

"$FAULTLINE" record -o "$FL_TMP/t3" -- /bin/sh -c 'exit 3' >"$FL_TMP/r3.out" 2>"$FL_TMP/r3.err"
contains "the command's exit status is reported" "$(cat "$FL_TMP/r3.err")" \
	'^faultline record: /bin/sh exited with status 3$'

# Field 19 of /proc/PID/stat is the nice value (the names here have no spaces).
"$FAULTLINE" record -q -o "$FL_TMP/t4" -- /bin/sh -c \
	'cut -d" " -f19 /proc/self/stat /proc/$PPID/stat >"$0"' "$FL_TMP/a4" \
	>"$FL_TMP/r4.out" 2>"$FL_TMP/r4.err" &
pid=$!
mine=$(cut -d" " -f19 /proc/self/stat)
wait "$pid"
# The test's own nice is what `nice make check` gave it, faultline's the same.
is "the command runs at faultline's nice" "$(sed -n 1p "$FL_TMP/a4" 2>&1)" "$mine"
# Root without CAP_SYS_NICE (a container) cannot raise it: the recorder
# then stays at faultline's nice (GNU nice warns, and runs the command).
if [ -z "$(nice -n -10 true 2>&1)" ]; then
	is "the recorder reads the rings at nice -10" "$(sed -n 2p "$FL_TMP/a4" 2>&1)" \
		$((mine < -10 ? mine : -10))
else
	echo "# no CAP_SYS_NICE here: the recorder keeps faultline's nice"
	is "the recorder reads the rings at nice -10" "$(sed -n 2p "$FL_TMP/a4" 2>&1)" "$mine"
fi

done_testing
