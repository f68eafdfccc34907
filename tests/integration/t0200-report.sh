#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline report and report --fidelity on small stores built here from
# schemas/outcomes.sql, whose right answers are worked out by hand below;
# and the stores it must refuse.
. "$FL_TOP/tests/lib.sh"

schema=$FL_TOP/schemas/outcomes.sql
db=$FL_TMP/out.db

# A store with three traces and four runs:
#   trace 1 has ground truth, 13 faults; trace 2 has none; trace 3 has
#   ground truth and no fallback at all.
#   run 1: pervma over trace 2 (no ground truth: --fidelity refuses it)
#   run 2: pervma over trace 3 (no fallback either way: precision and
#          recall n/a)
#   run 3: pervma over trace 1, the newest pervma run (--fidelity's default)
#   run 4: classic over trace 1 (never falls back: precision n/a, recall 0)
#
# Run 3 against trace 1, fault by fault:
#   1 2 3 11   vma       predicted no fallback           TN x4
#   4          fallback  vma_lock_abort write-locked     TP  (writer 1)
#   5 7        fallback  vma_lock_retry no anon_vma      TP x2
#   6          fallback  predicted ok                    FN  (nearest writer 2, overlapping)
#   9          fallback  predicted ok                    FN  (no writer of pid 100 near;
#                                                             writer 3 is pid 200's)
#   10         vma       vma_lock_retry no anon_vma      FP  (nearest writer 4, 500 us before)
#   12         vma       vma_lock_abort write-locked     FP  (writer 1 named by the outcome)
#   13         vma       vma_lock_retry no map_pages     FP
#   8          unknown                                   excluded
# TP 3, FP 3, FN 2, TN 4: precision 3/6 = 50%, recall 3/5 = 60%.
make_store() {
	sqlite3 "$1" <"$schema" || return 1
	sqlite3 "$1" <<'EOF'
INSERT INTO meta VALUES ('created_by', 'faultline test t0200');
INSERT INTO traces VALUES
 (1, 'traces/x86_64/small', 'perf-ctf', 'perf', 'h', '6.18.0', 'x86_64', 4096, 1000000000, 6000000000, 500, 0, 0, 1, 1, 0, NULL),
 (2, 'traces/old/nolock', 'perf-ctf', 'perf', 'h', '6.1.0', 'x86_64', 4096, 0, 10, 5, 0, 0, 0, 0, 0, NULL),
 (3, 'traces/x86_64/calm', 'perf-ctf', 'perf', 'h', '6.18.0', 'x86_64', 4096, 0, 10, 5, 0, 0, 1, 1, 0, NULL);
INSERT INTO threads VALUES
 (1, 101, 100, 'worker', 11, 4, 0), (1, 102, 100, 'main', 2, 1, 4), (1, 201, 200, 'other', 0, 0, 1);
INSERT INTO writers VALUES
 (1, 1, 102, 100, 'mprotect', '[1,2,3]', 0, 1000000000, 1000050000, 1000010000, 1000010000, 1000040000, 1, 93824992235940),
 (1, 2, 102, 100, 'munmap', '[1,2]', 0, 1999990000, 2000200000, 2000000000, 2000000000, 2000100000, 1, NULL),
 (1, 3, 201, 200, 'mmap', '[]', 0, 5000000050, 5000000500, 5000000100, 5000000100, 5000000400, 0, NULL),
 (1, 4, 102, 100, 'madvise', '[]', 0, 2998000000, 2999600000, 2999000000, 2999000000, 2999500000, 1, NULL);
INSERT INTO faults VALUES
 (1, 1,  1100000000, 1100001000, 101, 100, 0, 140000000000000, 4096, 'read', 4, 0, 'vma', '', NULL),
 (1, 2,  1200000000, 1200001000, 101, 100, 0, 140000000004096, 4096, 'write', 6, 0, 'vma', 'anon_vma trylock', NULL),
 (1, 3,  1300000000, 1300001000, 101, 100, 0, 140000000008192, 4096, 'read', 4, 0, 'vma', '', NULL),
 (1, 4,  1000020000, 1000045000, 101, 100, 1, 140000000012288, 4096, 'write', 6, 0, 'fallback', 'trylock failed', 20000),
 (1, 5,  1500000000, 1500001000, 101, 100, 0, 140000000016384, 4096, 'write', 6, 0, 'fallback', '', 100),
 (1, 6,  2000050000, 2000150000, 101, 100, 1, 140000000020480, 4096, 'write', 6, 0, 'fallback', 'trylock failed', 50000),
 (1, 7,  1700000000, 1700001000, 101, 100, 0, 140000000024576, 4096, 'write', 6, 0, 'fallback', 'anon_vma retry', 100),
 (1, 8,  1800000000, NULL,       101, 100, 0, 140000000028672, 4096, 'read', 4, NULL, 'unknown', '', NULL),
 (1, 9,  5000000000, 5000002000, 102, 100, 2, 140737488351232, 4096, 'write', 6, 0, 'fallback', 'stack growth', 0),
 (1, 10, 3000000000, 3000010000, 101, 100, 0, -4096, 4096, 'read,prot', 5, 0, 'vma', '', NULL),
 (1, 11, 4000000000, 4000001000, 101, 100, 0, 140000000032768, 4096, 'read', 4, 0, 'vma', '', NULL),
 (1, 12, 1000030000, 1000031000, 101, 100, 0, 140000000036864, 4096, 'write', 6, 0, 'vma', '', NULL),
 (1, 13, 5900000000, 5900001000, 101, 100, 0, 93824992231424, 4096, 'read', 4, 0, 'vma', '', NULL),
 (2, 1, 1, 2, 7, 7, 0, 4096, 0, 'read', 4, 0, 'unknown', '', NULL),
 (3, 1, 1, 2, 7, 7, 0, 4096, 0, 'read', 4, 0, 'vma', '', NULL),
 (3, 2, 3, 4, 7, 7, 0, 8192, 0, 'read', 4, 0, 'vma', '', NULL);
INSERT INTO runs VALUES
 (1, 2, 'pervma', '6.15+', '{"pte_prefault":16}', 0, 't', '2025-01-01T00:00:00Z', 1, '{}', 1, 0, 0),
 (2, 3, 'pervma', '6.15+', '{}', 0, 't', '2025-01-01T00:00:01Z', 1, '{}', 2, 0, 0),
 (3, 1, 'pervma', '6.15+', '{"fault_around_bytes":65536,"uffd":false,"note":"a b"}', 7, 't', '2025-01-01T00:00:02Z', 5, '{}', 13, 6, 1),
 (4, 1, 'classic', '', '{}', 0, 't', '2025-01-01T00:00:03Z', 5, '{}', 13, 0, 0);
INSERT INTO outcomes (run_id, fault_id, path, fell_back, counter, reason, attempts, latency,
	lock_wait, writer_id, vma_start, vma_end, vma_kind) VALUES
 (1, 1, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 1, 0, NULL, 0, 8192, 'anon'),
 (2, 1, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 1, 0, NULL, 0, 8192, 'anon'),
 (2, 2, 'vma_lock', 0, 'vma_lock_success', 'ok', 1, 1, 0, NULL, 0, 8192, 'anon'),
 (3, 1,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 2,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 3,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 4,  'mmap_lock', 1, 'vma_lock_abort', 'write-locked', 1, 25000, 20000, 1, 140000000000000, 140000001048576, 'anon'),
 (3, 5,  'mmap_lock', 1, 'vma_lock_retry', 'no anon_vma', 2, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 6,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 100000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 7,  'mmap_lock', 1, 'vma_lock_retry', 'no anon_vma', 2, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 8,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 1000, 0, NULL, 140000000000000, 140000001048576, 'anon'),
 (3, 9,  'vma_lock',  0, 'vma_lock_success', 'ok', 1, 2000, 0, NULL, 140737488216064, 140737488355328, 'stack'),
 (3, 10, 'mmap_lock', 1, 'vma_lock_retry', 'no anon_vma', 2, 10000, 0, NULL, -8192, 0, 'special'),
 (3, 11, 'vma_lock',  0, 'vma_lock_success', 'ok', 1, 1000, 0, NULL, NULL, NULL, ''),
 (3, 12, 'mmap_lock', 1, 'vma_lock_abort', 'write-locked', 1, 1000, 9000, 1, 140000000000000, 140000001048576, 'anon'),
 (3, 13, 'mmap_lock', 1, 'vma_lock_retry', 'no map_pages', 2, 1000, 0, NULL, 93824992231424, 93824992362496, 'file');
INSERT INTO outcomes (run_id, fault_id, path, fell_back, counter, reason, attempts, latency,
	lock_wait, writer_id, vma_start, vma_end, vma_kind)
	SELECT 4, fault_id, 'mmap_lock', 0, 'mmap_lock', 'ok', 1, 1000, 0, NULL, NULL, NULL, ''
	FROM faults WHERE trace_id = 1;
INSERT INTO cause_counts SELECT run_id, counter, reason, count(*), sum(fell_back)
	FROM outcomes GROUP BY 1, 2, 3;
EOF
}

if ! make_store "$db"; then
	not_ok "build the test store from schemas/outcomes.sql" "sqlite3 failed"
	done_testing
	exit
fi

# contains WHAT TEXT REGEX: TEXT has a line matching the extended REGEX.
contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}
# j PATH: a value of the JSON in $FL_TMP/r.json; jt PATH: its JSON type.
j() { json_get "$FL_TMP/r.json" "$1"; }
jt() { sqlite3 :memory: "select json_type(readfile('$FL_TMP/r.json'), '$1');"; }
save_json() {
	printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
	if json_valid "$FL_TMP/r.json"; then ok "$1: valid JSON"; else
		not_ok "$1: valid JSON" "$FL_OUT"; fi
}

# ---- the cause summary ----------------------------------------------------

expect_ok "report DB" report "$db"
contains "text: run 3 header" "$FL_OUT" '^run 3: pervma, profile 6\.15\+, seed 7,$'
contains "... and under it the knobs not at their defaults (80 columns)" "$FL_OUT" \
	'^    fault_around_bytes=65536 uffd=false note="a b"$'
contains "text: run 4 has no profile" "$FL_OUT" '^run 4: classic, no profile, seed 0$'
contains "text: trace path" "$FL_OUT" '^  trace: +traces/x86_64/small \(trace 1\)$'
contains "text: knobs as key=value" "$FL_OUT" \
	'^  knobs: +fault_around_bytes=65536 uffd=false note="a b"$'
contains "text: faults, predicted fallbacks, unplaced" "$FL_OUT" \
	'^  faults: +13; predicted fallbacks 6 \(46\.15%\); unplaced 1$'
contains "text: cause table header" "$FL_OUT" '^  counter +reason +count +share +fell back$'
contains "text: a cause row with its share" "$FL_OUT" \
	'^  vma_lock_retry +no anon_vma +3 +23\.08% +3$'
contains "text: the largest cause first" "$FL_OUT" \
	"$(printf '%s' '^  vma_lock_success +ok +7 +53\.85% +0$')"
is "text: one header per run" "$(printf '%s\n' "$FL_OUT" | grep -c '^run ')" 4
is "text: fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""

expect_ok "report --run 3" report --run 3 "$db"
is "--run 3: that run only" "$(printf '%s\n' "$FL_OUT" | grep '^run ')" 'run 3: pervma, profile 6.15+, seed 7,'
COLUMNS=120 expect_ok "report --run 3, 120 columns" report --run 3 "$db"
is "... the knobs not at their defaults on the run's line" "$(printf '%s\n' "$FL_OUT" | grep '^run ')" \
	'run 3: pervma, profile 6.15+, seed 7, fault_around_bytes=65536 uffd=false note="a b"'

expect_ok "report --format json" report --format json "$db"
save_json "report json"
is "json: four runs" "$(sqlite3 :memory: "select json_array_length(readfile('$FL_TMP/r.json'), '\$.runs')")" 4
is "json: run 3 header" "$(j '$.runs[2].run_id') $(j '$.runs[2].strategy') $(j '$.runs[2].profile') $(j '$.runs[2].trace') $(j '$.runs[2].faults') $(j '$.runs[2].fallbacks') $(j '$.runs[2].unplaced') $(j '$.runs[2].seed')" \
	"3 pervma 6.15+ traces/x86_64/small 13 6 1 7"
is "json: knobs are an object with their types" \
	"$(jt '$.runs[2].knobs') $(j '$.runs[2].knobs.fault_around_bytes') $(jt '$.runs[2].knobs.uffd') $(j '$.runs[2].knobs.note')" \
	"object 65536 false a b"
is "json: causes in order of count" \
	"$(j '$.runs[2].causes[0].counter')/$(j '$.runs[2].causes[1].reason')/$(j '$.runs[2].causes[2].reason')/$(j '$.runs[2].causes[3].reason')" \
	"vma_lock_success/no anon_vma/write-locked/no map_pages"
is "json: a cause's count, share and fallbacks" \
	"$(j '$.runs[2].causes[2].count') $(printf '%.2f' "$(j '$.runs[2].causes[2].share_pct')") $(j '$.runs[2].causes[2].fell_back')" \
	"2 15.38 2"

expect_ok "report --format csv" report --format csv "$db"
is "csv: header" "$(printf '%s\n' "$FL_OUT" | head -n1)" \
	"run_id,trace_id,strategy,profile,counter,reason,count,share_pct,fell_back"
contains "csv: a row" "$FL_OUT" '^3,1,pervma,6\.15\+,vma_lock_abort,write-locked,2,15\.38,2$'
is "csv: one row per cause" "$(printf '%s\n' "$FL_OUT" | sed 1d | wc -l)" \
	"$(sqlite3 "$db" 'select count(*) from cause_counts')"

# ---- fidelity ----------------------------------------------------------------

expect_ok "report --fidelity" report --fidelity "$db"
contains "fidelity: defaults to the newest pervma run" "$FL_OUT" '^fidelity of run 3 \(pervma'
contains "fidelity: faults compared" "$FL_OUT" '^  faults: +13 in the trace, 12 compared$'
contains "fidelity: faults excluded" "$FL_OUT" '^  excluded: +1 with ground truth unknown$'
contains "fidelity: TP and FP" "$FL_OUT" '^  predicted fallback +TP +3 +FP +3$'
contains "fidelity: FN and TN" "$FL_OUT" '^  predicted no fallback +FN +2 +TN +4$'
contains "fidelity: precision 3/6" "$FL_OUT" '^  precision +50\.00%  3 of 6 predicted'
contains "fidelity: recall 3/5" "$FL_OUT" '^  recall +60\.00%  3 of 5 true'
contains "fidelity: precision per reason" "$FL_OUT" '^  no anon_vma +3 +2 +1 +66\.67%$'
contains "fidelity: recall per detail" "$FL_OUT" '^  trylock failed +2 +1 +1 +50\.00%$'
contains "fidelity: confusion row" "$FL_OUT" '^  vma_lock_abort +write-locked +2 +1 +1$'
contains "fidelity: a false negative with its thread, at s since the trace's first event" "$FL_OUT" \
	'^  fault 6: FN, t 1\.000050000, tid 101 \(worker\) of pid 100$'
contains "fidelity: says what the times count from" "$FL_OUT" "^  times: +s since the trace's first event$"
contains "fidelity: a kernel-half address as unsigned hex" "$FL_OUT" \
	'^    address +0xfffffffffffff000 read,prot$'
contains "fidelity: the writer named by the outcome" "$FL_OUT" \
	'^    writer +#1 mprotect by tid 102, named by the replay$'
contains "fidelity: the nearest writer when none is named" "$FL_OUT" \
	'^              lock 1\.999000000\.\.1\.999500000, ended 500\.000 us before$'
contains "fidelity: no writer of the process nearby" "$FL_OUT" \
	'^    writer +none of pid 100 within 1 ms'
is "fidelity: fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""
# --abs-time: the time of day as babeltrace2 prints it (TZ fixed: local time).
TZ=UTC expect_ok "report --fidelity --abs-time" report --fidelity --abs-time "$db"
contains "--abs-time: the time of day" "$FL_OUT" '^  fault 6: FN, t 00:00:02\.000050000, tid 101 \(worker\) of pid 100$'
contains "--abs-time: the writer's window too" "$FL_OUT" '^              lock 00:00:02\.999000000\.\.00:00:02\.999500000, ended 500\.000 us before$'
contains "--abs-time: says so" "$FL_OUT" "^  times: +time of day of the trace's clock"

expect_ok "report --fidelity --format json" report --fidelity --format json "$db"
save_json "fidelity json"
is "json: run, counts" "$(j '$.run_id') $(j '$.tp') $(j '$.fp') $(j '$.fn') $(j '$.tn') $(j '$.compared') $(j '$.excluded_unknown') $(j '$.trace_faults')" \
	"3 3 3 2 4 12 1 13"
is "json: precision and recall" "$(j '$.precision') $(j '$.recall')" "0.5 0.6"
is "json: precision per reason" \
	"$(sqlite3 :memory: "select group_concat(json_extract(value, '\$.reason') || '=' || json_extract(value, '\$.tp') || '/' || json_extract(value, '\$.predicted'), ';') from json_each(json_extract(readfile('$FL_TMP/r.json'), '\$.by_reason'))")" \
	"no anon_vma=2/3;write-locked=1/2;no map_pages=0/1"
is "json: recall per gt detail" \
	"$(sqlite3 :memory: "select group_concat(json_extract(value, '\$.gt_detail') || '=' || json_extract(value, '\$.tp') || '/' || json_extract(value, '\$.fallbacks'), ';') from json_each(json_extract(readfile('$FL_TMP/r.json'), '\$.by_gt_detail'))")" \
	"trylock failed=1/2;=1/1;anon_vma retry=1/1;stack growth=0/1"
is "json: disagreements in fault order, with their kind" \
	"$(sqlite3 :memory: "select group_concat(json_extract(value, '\$.fault_id') || json_extract(value, '\$.kind'), ' ') from json_each(json_extract(readfile('$FL_TMP/r.json'), '\$.disagreements'))")" \
	"6FN 9FN 10FP 12FP 13FP"
is "json: disagreement context" \
	"$(j '$.disagreements[2].address') $(j '$.disagreements[2].vma_start') $(j '$.disagreements[2].vma_kind') $(j '$.disagreements[2].gt') $(j '$.disagreements[2].reason') $(j '$.disagreements[0].comm') $(j '$.disagreements[0].t_ns') $(j '$.t_first_ns')" \
	"0xfffffffffffff000 0xffffffffffffe000 special vma no anon_vma worker 1000050000 1000000000"
is "json: writers named, nearest and none" \
	"$(j '$.disagreements[3].writer.writer_id'):$(j '$.disagreements[3].writer.linked') $(j '$.disagreements[0].writer.writer_id'):$(j '$.disagreements[0].writer.linked'):$(j '$.disagreements[0].writer.gap_ns') $(j '$.disagreements[2].writer.gap_ns') $(jt '$.disagreements[1].writer')" \
	"1:1 2:0:0 -500000 null"

expect_ok "--limit 2" report --fidelity --limit 2 --format json "$db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "--limit 2: two listed of five" "$(j '$.disagreements_total') $(j '$.disagreements[#-1].fault_id')" "5 9"
expect_ok "--limit 2 text" report --fidelity --limit 2 "$db"
contains "--limit 2 text: says more are hidden" "$FL_OUT" 'the first 2 shown'
is "--limit 2 text: two faults listed" "$(printf '%s\n' "$FL_OUT" | grep -c '^  fault ')" 2
expect_ok "--limit 0" report --fidelity --limit 0 "$db"
is "--limit 0: all five listed" "$(printf '%s\n' "$FL_OUT" | grep -c '^  fault ')" 5

expect_ok "--fidelity --run 4 (classic)" report --fidelity --run 4 --format json "$db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "classic: precision n/a (null), recall 0" "$(jt '$.precision') $(j '$.recall') $(j '$.fn')" "null 0 5"
expect_ok "--fidelity --run 4 text" report --fidelity --run 4 "$db"
contains "classic: precision n/a in text" "$FL_OUT" '^  precision +n/a  0 of 0 '
expect_ok "--fidelity --run 2 (no fallback at all)" report --fidelity --run 2 "$db"
contains "no true fallback: recall n/a" "$FL_OUT" '^  recall +n/a  0 of 0 '
contains "no true fallback: precision n/a" "$FL_OUT" '^  precision +n/a  0 of 0 '

# ---- what it refuses -------------------------------------------------------

expect_fail "--fidelity on a trace without ground truth" 1 \
	"out\.db: run 1 \(trace traces/old/nolock\): the trace has no mmap_lock events: no ground truth" \
	report --fidelity --run 1 "$db"
expect_fail "... hints at recording mmap_lock events" 1 "hint: record with mmap_lock:\*" \
	report --fidelity --run 1 "$db"
expect_fail "--run of a run that does not exist" 1 \
	"out\.db: no run 42: the database holds 4 runs, ids 1 to 4" report --run 42 "$db"
expect_fail "--fidelity --run of a run that does not exist" 1 "out\.db: no run 42" \
	report --fidelity --run 42 "$db"

expect_fail "missing file" 1 "nonexistent\.db: No such file or directory" \
	report "$FL_TMP/nonexistent.db"
echo "just some notes, long enough to look like a header to nobody" >"$FL_TMP/notes.txt"
expect_fail "a plain text file" 1 "notes\.txt: not a faultline database: not an SQLite database" \
	report "$FL_TMP/notes.txt"
expect_fail "a directory" 1 "a directory, not a faultline database" report "$FL_TMP"
sqlite3 "$FL_TMP/other.db" "CREATE TABLE runs (x); INSERT INTO runs VALUES (1);"
expect_fail "an SQLite database of another program" 1 \
	"other\.db: not a faultline database: an SQLite database with no application_id" \
	report "$FL_TMP/other.db"
sqlite3 "$FL_TMP/app.db" "PRAGMA application_id = 42; CREATE TABLE t (x);"
expect_fail "an SQLite database with another application_id" 1 \
	"app\.db: not a faultline database: .*application_id 0x0000002A" report --fidelity "$FL_TMP/app.db"
cp "$db" "$FL_TMP/future.db"
sqlite3 "$FL_TMP/future.db" "PRAGMA user_version = 99;"
expect_fail "a schema from the future names both versions" 1 \
	"future\.db: .*schema version 99, newer than this faultline reads \(version 7\)" \
	report "$FL_TMP/future.db"
expect_fail "... with a hint to upgrade" 1 "hint: .*upgrade faultline" \
	report --fidelity "$FL_TMP/future.db"

make_store "$FL_TMP/empty.db" && sqlite3 "$FL_TMP/empty.db" \
	"DELETE FROM cause_counts; DELETE FROM outcomes; DELETE FROM runs;"
expect_ok "a store with no runs" report "$FL_TMP/empty.db"
is "... says so" "$FL_OUT" "$FL_TMP/empty.db: no runs yet"
expect_ok "a store with no runs, json" report --format json "$FL_TMP/empty.db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "... an empty runs array" "$(jt '$.runs') $(j '$.runs[0]')" "array "
expect_fail "--fidelity with no pervma run" 1 "empty\.db: no pervma run to compare" \
	report --fidelity "$FL_TMP/empty.db"

# ---- the command line ------------------------------------------------------

expect_fail "unknown option" 2 "unknown option '--bogus'" report --bogus "$db"
expect_fail "unknown short option" 2 "unknown option '-x'" report -x "$db"
expect_fail "unknown format" 2 "unknown format 'xml'" report --format xml "$db"
expect_fail "--run needs a number" 2 "--run takes a run id" report --run abc "$db"
expect_fail "--run 0 is not a run id" 2 "--run takes a run id" report --run 0 "$db"
expect_fail "--run without a value" 2 "option '--run' needs a value" report "$db" --run
expect_fail "--limit needs a count" 2 "--limit takes a count" report --fidelity --limit -1 "$db"
expect_fail "--limit without --fidelity" 2 "--limit only applies to --fidelity" \
	report --limit 3 "$db"
expect_fail "--fidelity has no csv, as its usage says" 2 "--fidelity takes --format table or json" \
	report --fidelity --format csv "$db"
expect_fail "no database: faultline.db, missing here" 1 "faultline\.db: No such file" report
cp "$db" "$FL_TMP/faultline.db"
(cd "$FL_TMP" && "$FAULTLINE" report --run 3 >"$FL_TMP/default.out" 2>&1)
is "report without a DB reads faultline.db" "$(grep -c '^run 3: pervma' "$FL_TMP/default.out")" 1
expect_fail "two databases" 2 "one database at a time" report "$db" "$db"

expect_ok "--help" report --help
for o in --fidelity --run --format --limit --help csv json "exit status"; do
	contains "--help mentions $o" "$FL_OUT" "$o"
done
is "--help fits 80 columns" "$(printf '%s\n' "$FL_OUT" | awk 'length($0) > 80')" ""
expect_ok "faultline help lists report" help
contains "... with its summary" "$FL_OUT" '^   report +summarise replayed runs'

# ---- the writers' call sites ---------------------------------------------------

# Writer 1 has a call site (0x5555555551a4); its trace is not on this host,
# so it stays hex, and --no-symbols does not try.
expect_ok "--by writer with a call site" report --by writer --run 3 --no-symbols "$db"
contains "... printed in hex" "$FL_OUT" '^ +1 +mprotect .* 0x5555555551a4$'
expect_ok "--by writer, CSV" report --by writer --run 3 --no-symbols --format csv "$db"
contains "... has pid, call_site and caller" "$FL_OUT" \
	'^run_id,.*,args,pid,call_site,caller$'
contains "... its values" "$FL_OUT" '^3,pervma,.*,1,mprotect,.*,100,0x5555555551a4,0x5555555551a4$'
expect_ok "--by writer, JSON" report --by writer --run 3 --no-symbols --format json "$db"
save_json "--by writer"
is "... call_site and caller" "$(j '$.runs[0].rows[0].call_site') $(j '$.runs[0].rows[0].caller')" \
	"0x5555555551a4 0x5555555551a4"
cp "$db" "$FL_TMP/v3.db"
sqlite3 "$FL_TMP/v3.db" "ALTER TABLE writers DROP COLUMN call_site; PRAGMA user_version = 3;"
expect_ok "--by writer on a version 3 store (no call sites)" report --by writer --run 3 "$FL_TMP/v3.db"
contains "... each call site -" "$FL_OUT" '^ +1 +mprotect .*  -$'
expect_ok "--by writer, JSON, on version 3" report --by writer --run 3 --format json "$FL_TMP/v3.db"
save_json "--by writer on version 3"
is "... call_site null" "$(jt '$.runs[0].rows[0].call_site')" "null"

# ---- reading while a replay writes -------------------------------------------
# A writer in WAL mode holds an open transaction with a fifth run in it:
# the report works meanwhile, read-only, and sees the committed runs only.
cp "$db" "$FL_TMP/wal.db"
sqlite3 "$FL_TMP/wal.db" "PRAGMA journal_mode = WAL;" >/dev/null
mkfifo "$FL_TMP/w.fifo"
sqlite3 "$FL_TMP/wal.db" <"$FL_TMP/w.fifo" >"$FL_TMP/w.out" 2>&1 &
writer=$!
exec 9>"$FL_TMP/w.fifo"
printf '%s\n' "BEGIN IMMEDIATE; INSERT INTO runs SELECT 5, trace_id, strategy, profile,
	knobs, seed, tool_version, created_at, wall_ms, cost_table, faults, fallbacks, unplaced
	FROM runs WHERE run_id = 3;" ".print inserted" >&9
for _ in $(seq 100); do grep -q inserted "$FL_TMP/w.out" && break; sleep 0.05; done
is "the writer holds its transaction open" "$(cat "$FL_TMP/w.out")" "inserted"
run_fl report --format json "$FL_TMP/wal.db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "while a replay writes: the committed runs only" "$FL_RC $(j '$.runs[#-1].run_id')" "0 4"
run_fl report --fidelity --format json "$FL_TMP/wal.db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "while a replay writes: --fidelity works" "$FL_RC $(j '$.run_id') $(j '$.tp')" "0 3 3"
echo "COMMIT;" >&9
exec 9>&-
wait "$writer"
run_fl report --format json "$FL_TMP/wal.db"
printf '%s\n' "$FL_OUT" >"$FL_TMP/r.json"
is "after the commit: the new run" "$FL_RC $(j '$.runs[#-1].run_id')" "0 5"

done_testing
