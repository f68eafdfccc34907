#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record's perf rings (and its start-up time): sized from memory by default (4 to 64 MiB
# per CPU, a power of two), a ring found more than 75% full is warned about
# at once, and the summary says how full the fullest ring got.  The full
# ring is made deterministically: the recorded command stops the recorder
# (SIGSTOP), makes its events into a one-page ring, and lets it go on.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"default rings: a power of two from 4 to 64 MiB per CPU, named in the summary"
	"default rings: nothing lost on a small program"
	"a ring above 75% is warned about, naming -m"
	"the summary gives the peak fill next to the loss line"
	"the summary gives the start-up time"
)
need_recording root lttng tracefs -- "${checks[@]}"

run_fl record -o "$FL_TMP/d" -- "$pt" -t 2 -r 2 -p 256
mib=$(printf '%s\n' "$FL_ERR" | sed -n 's/.*perf rings at most [0-9.]*% full (CPU [0-9]*, \([0-9]*\) MiB each).*/\1/p')
case "$mib" in
4 | 8 | 16 | 32 | 64) ok "default rings: a power of two from 4 to 64 MiB per CPU, named in the summary" ;;
*) not_ok "default rings: a power of two from 4 to 64 MiB per CPU, named in the summary" "$FL_ERR" ;;
esac
if [ "$FL_RC" -eq 0 ] && printf '%s\n' "$FL_ERR" | grep -q 'lost: 0 perf records, 0 LTTng events discarded, 0 LTTng packets lost;'; then
	ok "default rings: nothing lost on a small program"
else
	not_ok "default rings: nothing lost on a small program" "exit $FL_RC" "$FL_ERR"
fi

if printf '%s\n' "$FL_ERR" | grep -Eq '^faultline record: start-up [0-9]+\.[0-9]{3} s'; then
	ok "the summary gives the start-up time"
else
	not_ok "the summary gives the start-up time" "$FL_ERR"
fi

# One 4 KiB data page per CPU; the command's events pile up while the
# recorder is stopped, wherever the command runs.
run_fl record -m 1 -o "$FL_TMP/full" -- sh -c \
	'kill -STOP $PPID; '"$pt"' -t 1 -r 4 -p 64 2>/dev/null; kill -CONT $PPID'
if printf '%s\n' "$FL_ERR" | grep -Eq "warning: CPU [0-9]+'s perf ring was (7[6-9]|[89][0-9]|100)% full \(of 4 KiB\); events will be lost if it fills: give the rings more room \(-m 4\)"; then
	ok "a ring above 75% is warned about, naming -m"
else
	not_ok "a ring above 75% is warned about, naming -m" "$FL_ERR"
fi
if printf '%s\n' "$FL_ERR" | grep -Eq 'lost: [0-9]+ perf records, [0-9]+ LTTng events discarded, [0-9]+ LTTng packets lost; perf rings at most (7[6-9]|[89][0-9]|100)\.[0-9]% full \(CPU [0-9]+, 4 KiB each\)'; then
	ok "the summary gives the peak fill next to the loss line"
else
	not_ok "the summary gives the peak fill next to the loss line" "$FL_ERR"
fi
done_testing
