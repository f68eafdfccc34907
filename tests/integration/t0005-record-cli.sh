#!/bin/bash
# faultline record's command line, without recording: --help lists every
# option with its value and default, from the same table that parses them
# (so the man page and the completion list them too); unknown options and
# bad values are refused with the option named; the first word that is not
# an option starts the command, and the words after it are the command's.
# Every case here stops at a usage error, so nothing is recorded (the
# command's own arguments reaching it: t0100-record-command-line.sh).
. "$FL_TOP/tests/lib.sh"

cd "$FL_TMP" || exit 1

# Each option as its help line heads it, in the order of the help.
heads=(
	"-o, --output DIR" "--url URL" "--live[=MS]" "-p, --pid PID[,PID]" "-a, --all"
	"-d, --duration S" "-m, --mmap-pages N" "-q, --quiet" "--snapshot" "--snapshot-size MIB"
	"--trigger-lock-wait MS" "--trigger-fallback PCT" "--trigger-window MS" "--trigger"
	"--rotate-size MIB" "--rotate-every S" "--max-size MIB" "-h, --help"
)
# The options with a default, and the words of the help that give it.
defaults=(
	"--output:default: faultline-YYYYMMDD-HHMMSS" "--live:default 1000"
	"--duration:default: when the target is gone" "--mmap-pages:default: 1/64 of the"
	"--snapshot-size:default 64" "--trigger-window:default 1000"
	"--trigger-lock-wait:default: no such trigger" "--trigger-fallback:default: no such"
)

expect_ok "record --help" record --help
help=$FL_OUT
run_fl help record
is "help record and record --help print the same text" "$FL_OUT" "$help"
is "record --help fits 80 columns" "$(printf '%s\n' "$help" | awk 'length($0) > 80')" ""
block=$(printf '%s\n' "$help" | sed -n '/^options:$/,/^$/p')
# opt_text LONG: an option's lines in the options block, its help included.
opt_text() {
	printf '%s\n' "$block" | awk -v long="$1" '
		/^  -/ || /^      -/ {
			h = $0; sub(/^ +/, "", h); sub(/  .*/, "", h)
			n = split(h, w, /[ ,]+/); on = 0
			for (i = 1; i <= n; i++) { sub(/\[.*/, "", w[i]); if (w[i] == long) on = 1 }
		}
		on'
}
for h in "${heads[@]}"; do
	re=$(printf '%s' "$h" | sed 's/[][]/\\&/g')
	case $h in -?,*) re="^  $re( |\$)" ;; *) re="^      $re( |\$)" ;; esac
	contains "record --help lists '$h'" "$block" "$re"
done
is "record --help lists no other option" \
	"$(printf '%s\n' "$block" | grep -cE '^ {2,8}-')" "${#heads[@]}"
for d in "${defaults[@]}"; do
	contains "record --help: ${d%%:*} gives its default" "$(opt_text "${d%%:*}" | tr '\n' ' ' | tr -s ' ')" "${d#*:}"
done

# Every option the help lists is one the parser takes: each is followed by
# a bad -p, so the parse ends in that error, never in a recording.
for h in "${heads[@]}"; do
	long=$(printf '%s\n' "$h" | grep -oE -- '--[a-z-]+' | head -n1)
	[ "$long" = --help ] && continue
	value=()
	case $h in --url*) value=(net://127.0.0.1) ;; *" "[A-Z]*) value=(1) ;; esac
	run_fl record "$long" "${value[@]}" -p 0
	if [ "$FL_RC" -eq 2 ] && printf '%s\n' "$FL_ERR" | grep -q "^faultline record: --pid wants process ids PID\[,PID...\], not '0'"; then
		ok "record takes $long"
	else
		not_ok "record takes $long" "exit $FL_RC" "$FL_ERR"
	fi
done

# Unknown options, named; a near miss or an abbreviation gets the name.
expect_fail "unknown long option: named" 2 "^faultline record: unknown option '--bogus'$" record --bogus
expect_fail "unknown short option: named" 2 "^faultline record: unknown option '-x'$" record -x
expect_fail "near miss: did you mean" 2 "unknown option '--snapsot' \(did you mean '--snapshot'\?\)" \
	record --snapsot
expect_fail "abbreviation: did you mean" 2 "unknown option '--dur' \(did you mean '--duration'\?\)" \
	record --dur 5
expect_fail "unknown option: the usage and the hint follow" 2 "^hint: see 'faultline help record'$" \
	record --bogus
expect_fail "a flag takes no value" 2 "option '--quiet' takes no value" record --quiet=1
expect_fail "a value is missing" 2 "option '--output' needs a value" record --output

# Bad values, with the option named.  Here and above no case has a target,
# so an option or value wrongly taken ends in "nothing to record", never
# in a recording.
expect_fail "-d: not a number" 2 "^faultline record: --duration wants seconds > 0, not 'abc'$" record -d abc
expect_fail "-d: zero" 2 "--duration wants seconds > 0, not '0'" record --duration=0
expect_fail "-m: not a power of two" 2 "--mmap-pages wants a power of two from 1 to 1048576, not '3'" record -m 3
expect_fail "-m: a suffix" 2 "--mmap-pages wants a power of two from 1 to 1048576, not '4k'" record -m4k
expect_fail "-p: not a pid" 2 "--pid wants process ids PID\[,PID...\], not '12x'" record -p 12x
expect_fail "-p: an empty list" 2 "--pid wants process ids PID\[,PID...\], not ''" record -p ''
expect_fail "--snapshot-size: below its range" 2 \
	"--snapshot-size wants a number from 1 to 65536, not '0'" record --snapshot --snapshot-size 0
expect_fail "--trigger-fallback: above its range" 2 \
	"--trigger-fallback wants a number from 0.001 to 100, not '101'" record --snapshot --trigger-fallback 101
expect_fail "--trigger-window: not a number" 2 \
	"--trigger-window wants a number from 1 to 3.6e\+06, not '1s'" record --trigger-window=1s
expect_fail "--rotate-every: below its range" 2 \
	"--rotate-every wants a number from 0.1 to 1e\+07, not '0.01'" record --rotate-every 0.01
expect_fail "--live=MS: not a number" 2 "--live wants a number from 1 to 3.6e\+06, not 'x'" \
	record --url net://127.0.0.1 --live=x
expect_fail "--url: not an LTTng URL" 2 "--url wants net://HOST\[:CTRL\[:DATA\]\] \(or net6://\), not 'x'" \
	record --url x
# The checks of which options go together are still there.
expect_fail "--snapshot-size belongs to --snapshot" 2 "--snapshot-size and --trigger-\* belong to --snapshot" \
	record --snapshot-size 8
expect_fail "--trigger takes only -o" 2 "--trigger asks a running recorder for a snapshot" \
	record --trigger --snapshot
expect_fail "--max-size wants a rotation" 2 "--max-size removes the oldest trace chunks" \
	record --max-size 10
expect_fail "--live wants --url" 2 "--live makes the --url session a live one" record --live

# The first word that is not an option starts the command: what follows
# is the command's, so here the command is a second target (beside a
# process that cannot exist).
for words in "prog --bogus" "prog --help" "prog -h" "-- prog -q" "-- --help" "prog -p 0"; do
	# shellcheck disable=SC2086
	run_fl record -p 999999999 $words
	if [ "$FL_RC" -eq 2 ] && [ -z "$FL_OUT" ] &&
		printf '%s\n' "$FL_ERR" | grep -q "^faultline record: give one target: -p PID, -a, or -- CMD$"; then
		ok "record -p N $words: the words after the command are its own"
	else
		not_ok "record -p N $words: the words after the command are its own" "exit $FL_RC" "$FL_OUT" "$FL_ERR"
	fi
done
run_fl record -q --help prog
if [ "$FL_RC" -eq 0 ] && [ "$FL_OUT" = "$help" ]; then ok "--help before the command is record's"; else
	not_ok "--help before the command is record's" "exit $FL_RC" "$FL_ERR"; fi

# The man page's OPTIONS: each option a paragraph of its own.
if "$FL_TOP/scripts/gen-man" "$FAULTLINE" "$FL_TMP/man" >"$FL_TMP/gen-man.log" 2>&1 &&
	MANWIDTH=80 man -l "$FL_TMP/man/faultline-record.1" >"$FL_TMP/page.txt" 2>"$FL_TMP/page.err" &&
	[ ! -s "$FL_TMP/page.err" ]; then
	ok "faultline-record(1) renders"
else
	not_ok "faultline-record(1) renders" "$(cat "$FL_TMP/gen-man.log" "$FL_TMP/page.err")"
fi
options=$(sed -n '/^OPTIONS$/,/^EXIT STATUS$/p' "$FL_TMP/page.txt")
for h in "${heads[@]}"; do
	re=$(printf '%s' "$h" | sed 's/[][]/\\&/g')
	contains "faultline-record(1) OPTIONS: '$h'" "$options" "^       $re\$"
done

# The completion offers record's options, and only those.
want=$(printf '%s\n' "${heads[@]}" | grep -oE -- '--[a-z-]+' | sort | tr '\n' ' ' | sed 's/ $//')
is "completion: record's long options" "$(complete_words record --)" "$want"
is "completion: record --s" "$(complete_words record --s)" "--snapshot --snapshot-size"

done_testing
