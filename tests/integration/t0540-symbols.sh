#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# report --by ip names faulting ips as symbol+0xoff (dso) from the
# recorded mappings and the ELF files; --by vma names a file-backed VMA's
# file; a missing binary leaves hex with the dso's name; --no-symbols.
. "$FL_TOP/tests/lib.sh"

checks=(
	"record a C program built with -g"
	"--by ip names the program's functions"
	"... as symbol+0xoff (dso)"
	"--by vma names the program's file"
	"--by ip json: the symbol column"
	"--no-symbols: hex only"
	"a missing binary: hex with the dso's name"
	"... and no symbol of it"
	"a missing trace: said once, the report still made"
)
why=""
if [ "$(id -u)" -ne 0 ]; then
	why="needs root: faultline record opens tracepoints"
elif ! command -v lttng-sessiond >/dev/null; then
	why="lttng-sessiond is not installed (scripts/install-deps installs lttng-tools)"
elif ! command -v cc >/dev/null; then
	why="no C compiler to build the program"
fi
if [ -n "$why" ]; then
	for c in "${checks[@]}"; do skip "$c" "$why"; done
	done_testing
	exit
fi

cd "$FL_TMP" || exit 1
# -O0: the functions keep their own code, so the faults' ips are theirs.
cc -g -O0 -pthread -o churn "$FL_TOP/tests/workloads/mmchurn.c"
if "$FAULTLINE" record -o t -- ./churn -i 20 -n 200 >rec.out 2>rec.err &&
   "$FAULTLINE" replay t -s pervma -o s.db >rep.out 2>rep.err; then
	ok "${checks[0]}"
else
	not_ok "${checks[0]}" "$(cat rec.err rep.err)"
fi

run_fl report --by ip --top 0 s.db
contains "${checks[1]}" "$FL_OUT" ' fault_main\+0x[0-9a-f]+ \(churn\) '
contains "${checks[2]}" "$FL_OUT" '^  0x[0-9a-f]+  [a-z_]+\+0x[0-9a-f]+ \(churn\) +[0-9]+'
run_fl report --by vma --top 0 s.db
contains "${checks[3]}" "$FL_OUT" " file +.* $FL_TMP/churn$"
run_fl report --by ip --format json s.db
printf '%s\n' "$FL_OUT" >ip.json
is "${checks[4]}" \
	"$(sqlite3 :memory: "select count(*) > 0 from json_each(readfile('ip.json'), '\$.runs[0].rows') where json_extract(value, '\$.symbol') like 'fault\_main+0x% (churn)' escape '\\'")" 1
run_fl report --by ip --top 0 --no-symbols s.db
is "${checks[5]}" "$(printf '%s\n' "$FL_OUT" | grep -c '(churn)')" 0

rm -f churn
run_fl report --by ip --top 0 s.db
contains "${checks[6]}" "$FL_OUT" '^  (0x[0-9a-f]+)  \1 \(churn\) '
is "${checks[7]}" "$(printf '%s\n' "$FL_OUT" | grep -c 'fault_main')" 0

mv t t.moved
run_fl report --by ip --by vma s.db
is "${checks[8]}" "$FL_RC $(printf '%s\n' "$FL_ERR" | grep -c 'no symbols or file names: cannot read the trace')" "0 1"

done_testing
