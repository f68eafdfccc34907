#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# The command line: dispatch, help, version, usage errors.
. "$FL_TOP/tests/lib.sh"

expect_ok "faultline --help succeeds" --help
case "$FL_OUT" in *"usage: faultline"*"info"*"help"*) ok "--help lists the commands" ;;
	*) not_ok "--help lists the commands" "$FL_OUT" ;; esac

expect_ok "faultline --version succeeds" --version
if printf '%s\n' "$FL_OUT" | grep -Eq '^faultline [0-9a-z.-]+' &&
   printf '%s\n' "$FL_OUT" | grep -Eq '^libbabeltrace2 2\.'; then
	ok "--version names faultline and libbabeltrace2 versions"
else
	not_ok "--version names faultline and libbabeltrace2 versions" "$FL_OUT"
fi

expect_ok "faultline help info succeeds" help info
help_info=$FL_OUT
expect_ok "faultline info --help succeeds" info --help
is "help info and info --help print the same text" "$FL_OUT" "$help_info"
case "$help_info" in *"usage: faultline info"*"--format"*) ok "info help shows usage and options" ;;
	*) not_ok "info help shows usage and options" "$help_info" ;; esac

expect_fail "no command: usage on stderr, exit 2" 2 "usage: faultline"
expect_fail "unknown command: named, exit 2" 2 "'frobnicate' is not a faultline command" frobnicate
expect_fail "unknown command: hint" 2 "hint: see 'faultline --help'" frobnicate
expect_fail "near miss: did you mean" 2 "did you mean 'info'" inof
# Edit distance with transpositions: the most-used commands are found
# from their common slips.
for pair in reprot:report reoprt:report rpeort:report raport:report replya:replay \
	    rec:record recrod:record ifno:info diif:diff exprot:export tiu:tui hlep:help; do
	expect_fail "'${pair%%:*}': did you mean '${pair#*:}'" 2 "hint: did you mean '${pair#*:}'\?" "${pair%%:*}"
done
expect_fail "'re': too short to guess" 2 "hint: see 'faultline --help'" re
expect_fail "'xyzzy': nothing near" 2 "hint: see 'faultline --help'" xyzzy
expect_fail "unknown global option: exit 2" 2 "unknown option '--bogus'" --bogus
expect_fail "unknown info option: exit 2 with hint" 2 \
	"faultline info: unknown option '--bogus'.*" info --bogus "$FL_TOP/traces"
expect_fail "unknown info option: hint names help" 2 "hint: see 'faultline help info'" info --bogus x
expect_fail "info without a trace: exit 2" 2 "faultline info: no trace given" info
expect_fail "info with a bad format: exit 2" 2 "unknown format 'xml'" info --format xml x
expect_fail "help for an unknown command: exit 2" 2 "'nope' is not a faultline command" help nope

# Every knob, with its unit, default and source, in help knobs and in
# replay --help.
expect_ok "faultline help knobs" help knobs
knobs=$FL_OUT
for k in retry_cap stack_write vma_lock_delay spec_file pgtable_alloc single_thread_shortcut \
	 pte_wide writer_scale jitter_ns noanon_event ppc_mem_keys lookup_ns ptl_ns arch page_size mmu; do
	contains "help knobs: $k" "$knobs" "^  $k "
done
contains "help knobs: unit, default, range" "$knobs" '^  writer_scale +percent, default 100, 0\.\.1000$'
contains "help knobs: source" "$knobs" '^ +source: '
is "help knobs fits 80 columns" "$(printf '%s\n' "$knobs" | awk 'length($0) > 80')" ""
expect_ok "replay --help" replay --help
contains "replay --help lists the knobs" "$FL_OUT" '^  vma_lock_delay +ns, default 0, 0\.\.1000000000$'
is "replay --help fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""

# Every strategy's cause table, with the kernel function behind each cause.
expect_ok "faultline help causes" help causes
causes=$FL_OUT
for s in classic pervma spf spf-mmseq; do
	contains "help causes: $s" "$causes" "^$s:$"
done
contains "help causes: a counter and its reason" "$causes" '^  vma_lock_abort  write-locked$'
contains "help causes: the description" "$causes" '^ +vma_start_read\(\) fails'
contains "help causes: the vmstat flags" "$causes" '^ +\[counts in vmstat spf_attempt and spf_abort\]$'
contains "help causes: the unplaced flag" "$causes" '^ +\[unplaced: the model could not place the fault'
contains "help causes: the engine's" "$causes" '^  -  no fault at 64 KiB pages: its page was mapped$'
is "help causes fits 80 columns" "$(printf '%s\n' "$causes" | awk 'length($0) > 80')" ""

done_testing
