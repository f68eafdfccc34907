#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline diff on a store whose difference is known: two runs of one
# trace built here by hand, and a third run over another trace.
. "$FL_TOP/tests/lib.sh"

db=$FL_TMP/d.db
# Trace 1 has 6 faults by threads 11 and 12.
#   run 1 (pervma): faults 2 and 5 fall back (write-locked, writer 1;
#                   no anon_vma); thread 11 blocked 1000 ns, 12 blocked 0.
#   run 2 (spf):    faults 2, 3 and 6 fall back (SPF_ABORT_ODD x2 with
#                   writer 1, spf_vma_notsup); thread 11 blocked 4000 ns,
#                   12 blocked 500 ns, 300 ns wasted.
# So B - A: fell back 2 -> 3 (+1); under A only: fault 5; under B only:
# faults 3 and 6; blocked 1000 -> 4500 (+3500 ns); thread 11 +3000 ns.
sqlite3 "$db" <"$FL_TOP/schemas/outcomes.sql" && sqlite3 "$db" <<'EOF2'
INSERT INTO traces VALUES
 (1, 'traces/hand/one', 'perf-ctf', 'perf', 'h', '6.18.0', 'x86_64', 4096, 0, 1000000, 50, 0, 0, 1, 1, 0, NULL),
 (2, 'traces/hand/two', 'perf-ctf', 'perf', 'h', '6.18.0', 'x86_64', 4096, 0, 10, 5, 0, 0, 0, 0, 0, NULL);
INSERT INTO threads VALUES (1, 11, 10, 'main', 4, 1, 0), (1, 12, 10, 'worker', 2, 0, 1);
INSERT INTO writers VALUES (1, 1, 12, 10, 'mprotect', '[]', 0, 100, 900, 200, 200, 800, 1, NULL);
INSERT INTO faults VALUES
 (1, 1, 100, 200, 11, 10, 0, 4096, 1, 'read', 4, 0, 'vma', '', NULL),
 (1, 2, 300, 400, 11, 10, 0, 8192, 1, 'write', 6, 0, 'fallback', '', 1000),
 (1, 3, 500, 600, 11, 10, 0, 12288, 1, 'write', 6, 0, 'vma', '', NULL),
 (1, 4, 700, 800, 11, 10, 0, 16384, 1, 'read', 4, 0, 'vma', '', NULL),
 (1, 5, 900, 950, 12, 10, 0, 20480, 1, 'write', 6, 0, 'vma', '', NULL),
 (1, 6, 960, 990, 12, 10, 0, 24576, 1, 'read', 4, 0, 'vma', '', NULL),
 (2, 1, 1, 2, 7, 7, 0, 4096, 0, 'read', 4, 0, 'unknown', '', NULL);
INSERT INTO runs VALUES
 (1, 1, 'pervma', '6.15+', '{}', 0, 't', '2025-01-01T00:00:00Z', 1, '{}', 6, 2, 0),
 (2, 1, 'spf', 'v12', '{}', 0, 't', '2025-01-01T00:00:00Z', 1, '{}', 6, 3, 0),
 (3, 2, 'pervma', '6.15+', '{}', 0, 't', '2025-01-01T00:00:00Z', 1, '{}', 1, 0, 0);
INSERT INTO outcomes (run_id, fault_id, path, fell_back, counter, reason, attempts, latency,
	lock_wait, writer_id, vma_start, vma_end, vma_kind) VALUES
 (1, 1, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 100, 0, NULL, 0, 65536, 'anon'),
 (1, 2, 'mmap_lock', 1, 'vma_lock_abort', 'write-locked', 1, 1100, 1000, 1, 0, 65536, 'anon'),
 (1, 3, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 100, 0, NULL, 0, 65536, 'anon'),
 (1, 4, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 100, 0, NULL, 0, 65536, 'anon'),
 (1, 5, 'mmap_lock', 1, 'vma_lock_retry', 'no anon_vma', 2, 50, 0, NULL, 0, 65536, 'anon'),
 (1, 6, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 30, 0, NULL, 0, 65536, 'anon'),
 (2, 1, 'speculative', 0, 'speculative_pgfault', 'ok', 1, 100, 0, NULL, 0, 65536, 'anon'),
 (2, 2, 'mmap_lock', 1, 'SPF_ABORT_ODD', 'mmap_seq odd', 1, 2100, 2000, 1, 0, 65536, 'anon'),
 (2, 3, 'mmap_lock', 1, 'SPF_ABORT_ODD', 'mmap_seq odd', 1, 2100, 2000, 1, 0, 65536, 'anon'),
 (2, 4, 'speculative', 0, 'speculative_pgfault', 'ok', 1, 100, 0, NULL, 0, 65536, 'anon'),
 (2, 5, 'speculative', 0, 'speculative_pgfault', 'ok', 1, 50, 0, NULL, 0, 65536, 'anon'),
 (2, 6, 'mmap_lock', 1, 'spf_vma_notsup', 'file-backed', 1, 530, 500, NULL, 0, 65536, 'anon'),
 (3, 1, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 1, 0, NULL, 0, 8192, 'anon');
INSERT INTO cause_counts SELECT run_id, counter, reason, count(*), sum(fell_back)
	FROM outcomes GROUP BY 1, 2, 3;
INSERT INTO thread_times VALUES
 (1, 11, 10, 4, 1000, 1000, 0, 900, 900),
 (1, 12, 10, 2, 0, 0, 0, 100, 100),
 (2, 11, 10, 4, 1000, 4000, 0, 900, 3900),
 (2, 12, 10, 2, 0, 500, 300, 100, 900),
 (3, 7, 7, 1, 0, 0, 0, 1, 1);
EOF2
[ $? -eq 0 ] && ok "build the store" || not_ok "build the store"

contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}

expect_ok "diff 1 2" diff "$db" 1 2
contains "names both runs and the trace" "$FL_OUT" '^diff of run 1 \(A\) and run 2 \(B\) over traces/hand/one \(trace 1\)$'
contains "fell back 2 -> 3" "$FL_OUT" '^  fell back to mmap_lock +2 +3 +1 +50\.00%$'
contains "aborts a writer caused 1 -> 2" "$FL_OUT" '^  aborted \(a writer named\) +1 +2 +1 +100\.00%$'
contains "fell back under A only: fault 5" "$FL_OUT" '^  fell back under A only +1 +0 +-1 +-$'
contains "fell back under B only: faults 3 and 6" "$FL_OUT" '^  fell back under B only +0 +2 +2 +-$'
contains "blocked 1000 -> 4500 ns" "$FL_OUT" '^  blocked on mmap_lock +1\.00 us +4\.50 us +3\.50 us +350\.00%$'
contains "wasted 0 -> 300 ns" "$FL_OUT" '^  aborted work wasted +0 +300 ns +300 ns +-$'
contains "run time 1000 -> 4800 ns" "$FL_OUT" '^  thread run time +1\.00 us +4\.80 us +3\.80 us +380\.00%$'
contains "a cause only A has" "$FL_OUT" '^  vma_lock_success +ok +4 +0 +-4$'
contains "a cause only B has" "$FL_OUT" '^  SPF_ABORT_ODD +mmap_seq odd +0 +2 +2$'
contains "thread 11: +3000 ns blocked, first" "$(printf '%s\n' "$FL_OUT" | grep -A1 'B - A  run B - A')" \
	'^ +11 +main +4 +1\.00 us +4\.00 us +3\.00 us +3\.00 us$'
contains "thread 12: +500 ns blocked, +800 ns run" "$FL_OUT" '^ +12 +worker +2 +0 +500 ns +500 ns +800 ns$'
is "fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""

expect_ok "diff --format json" diff --format json "$db" 1 2
printf '%s\n' "$FL_OUT" >"$FL_TMP/d.json"
if json_valid "$FL_TMP/d.json"; then ok "json: valid"; else not_ok "json: valid" "$FL_OUT"; fi
is "json: runs, blocked change, first thread" \
	"$(json_get "$FL_TMP/d.json" '$.a.run_id') $(json_get "$FL_TMP/d.json" '$.b.strategy') $(json_get "$FL_TMP/d.json" '$.times[0].change_ns') $(json_get "$FL_TMP/d.json" '$.threads[0].tid') $(json_get "$FL_TMP/d.json" '$.threads[0].blocked_change_ns')" \
	"1 spf 3500 11 3000"
expect_ok "diff --format csv (causes)" diff --format csv "$db" 1 2
is "csv: the cause header" "$(printf '%s\n' "$FL_OUT" | head -n1)" \
	"counter,reason,a,b,change,fell_back_a,fell_back_b"
contains "csv: a cause row" "$FL_OUT" '^SPF_ABORT_ODD,mmap_seq odd,0,2,2,0,2$'
expect_ok "diff --format csv --by thread" diff --format csv --by thread "$db" 1 2
contains "csv: a thread row" "$FL_OUT" '^11,main,4,1000,4000,3000,900,3900,3000$'
expect_ok "diff --format csv --by total" diff --format csv --by total "$db" 1 2
contains "csv: a total row" "$FL_OUT" '^blocked on mmap_lock,1000,4500,3500,350\.00$'
expect_ok "diff --top 1" diff --top 1 --format json "$db" 1 2
printf '%s\n' "$FL_OUT" >"$FL_TMP/d.json"
is "--top 1: one cause, one thread" \
	"$(sqlite3 :memory: "select json_array_length(readfile('$FL_TMP/d.json'), '\$.causes') || json_array_length(readfile('$FL_TMP/d.json'), '\$.threads')")" 11
expect_fail "a run against itself is refused" 2 "run 2 against itself: a diff compares two runs" \
	diff "$db" 2 2

expect_fail "runs over different traces are refused" 1 \
	"d\.db: runs 1 and 3 replay different traces \(trace 1 traces/hand/one, trace 2 traces/hand/two\)" \
	diff "$db" 1 3
expect_fail "... with a hint" 1 "hint: replay the one trace with both strategies" diff "$db" 3 1
expect_fail "a run that does not exist" 1 "d\.db: no run 9: the database holds 3 runs, ids 1 to 3" \
	diff "$db" 1 9
expect_fail "two run ids needed" 2 "give a database and two run ids" diff "$db" 1
expect_fail "run ids are integers" 2 "run ids are positive integers, not 'x'" diff "$db" 1 x
expect_fail "unknown --by" 2 "unknown table 'vma' for --by" diff --by vma "$db" 1 2

# Without a DB, faultline.db in the current directory, as replay writes it.
cp "$db" "$FL_TMP/faultline.db"
(cd "$FL_TMP" && "$FAULTLINE" diff 1 2 >"$FL_TMP/default.out" 2>&1)
is "diff RUN_A RUN_B reads faultline.db" "$(grep -c '^diff of run 1 (A) and run 2 (B)' "$FL_TMP/default.out")" 1

# Runs that differ only in a knob: each run's line names the knobs not at
# their defaults, whole, whatever the width.
sqlite3 "$db" "INSERT INTO runs VALUES (4, 1, 'spf', 'v12', '{\"spec_file\":0,\"writer_scale\":100,\"jitter_ns\":0,\"lookup_ns\":100}', 0, 't', '2025-01-01T00:00:00Z', 1, '{}', 6, 3, 0), (5, 1, 'spf', 'v12', '{\"spec_file\":0,\"writer_scale\":250,\"jitter_ns\":0,\"lookup_ns\":100}', 7, 't', '2025-01-01T00:00:00Z', 1, '{}', 6, 3, 0)"
COLUMNS=40 expect_ok "diff of runs that differ in a knob" diff "$db" 4 5
contains "... run A: at its defaults" "$FL_OUT" '^run A: 4, spf v12, seed 0, knobs at their defaults$'
contains "... run B: the knob that differs, and the seed" "$FL_OUT" '^run B: 5, spf v12, seed 7, knobs writer_scale=250$'
expect_ok "... in json" diff --format json "$db" 4 5
contains "... json: knobs_changed" "$FL_OUT" '"knobs_changed": "writer_scale=250"'

expect_ok "--help" diff --help
is "--help fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""
expect_ok "faultline help lists diff" help
contains "... with its summary" "$FL_OUT" '^   diff +compare two runs'

done_testing
