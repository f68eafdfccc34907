#!/bin/bash
# faultline merge: shards of replays against the same replays run one after
# another into one database (the same rows, the same reports), idempotence,
# one copy of a trace whatever its path, all-or-nothing, refused inputs.
. "$FL_TOP/tests/lib.sh"

t1=$FL_TOP/traces/x86_64/fl-mmchurn
t2=$FL_TOP/traces/x86_64/mmchurn
d=$FL_TMP
q() { sqlite3 "$1" "$2"; }

# The jobs, in order: each into a shard of its own, and all into serial.db.
jobs=("-s pervma $t1" "-s classic $t1" "-s pervma $t2" "-s spf --seeds 2 $t1")
i=0
for j in "${jobs[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$FAULTLINE" replay $j -o "$d/s$i.db" >/dev/null 2>"$d/err" ||
		{ not_ok "replay job $i" "$(cat "$d/err")"; done_testing; exit; }
	# shellcheck disable=SC2086
	"$FAULTLINE" replay $j -o "$d/serial.db" >/dev/null 2>"$d/err" ||
		{ not_ok "serial replay $i" "$(cat "$d/err")"; done_testing; exit; }
done

expect_ok "merge four shards into a new database" merge "$d/m.db" "$d/s1.db" "$d/s2.db" "$d/s3.db" "$d/s4.db"
is "the summary counts the runs and traces" "$FL_OUT" \
	"merged 4 databases into $d/m.db: 5 runs added, 0 already there; 2 traces added, 2 already there"

# Every table's rows, ids included, as the serial replay wrote them, but
# for what a replay stamps (created_at, wall_ms) and the merge's hash.
dump() {
	sqlite3 "$1" "select trace_id, path, dialect, tracer, hostname, kernel, arch, page_size, t_first,
		t_last, ctf_events, lost_events, lost_packets, has_ground_truth, lock_windows from traces;
		select * from threads order by trace_id, tid;
		select * from writers order by trace_id, writer_id;
		select * from faults order by trace_id, fault_id;
		select run_id, trace_id, strategy, profile, knobs, seed, tool_version, cost_table, faults,
		 fallbacks, unplaced from runs order by run_id;
		select * from outcomes order by run_id, fault_id;
		select * from cause_counts order by run_id, counter, reason;
		select * from thread_times order by run_id, tid;
		select * from tally_fidelity order by run_id, outcome, counter, reason, fell_back, gt,
		 gt_detail;
		select * from tally_latency order by run_id, bucket;"
}
dump "$d/serial.db" >"$d/serial.rows"
dump "$d/m.db" >"$d/m.rows"
if cmp -s "$d/serial.rows" "$d/m.rows"; then
	ok "the merged rows are the serial replay's ($(wc -l <"$d/m.rows") rows)"
else
	not_ok "the merged rows are the serial replay's" "$(diff "$d/serial.rows" "$d/m.rows" | head -5)"
fi
for t in tally_fidelity tally_latency; do
	is "every merged run has its $t" "$(q "$d/m.db" "select count(distinct run_id) from $t")" \
		"$(q "$d/m.db" 'select count(*) from runs')"
done
is "outcome rows: one per fault per run" "$(q "$d/m.db" 'select count(*) from outcomes')" \
	"$(q "$d/serial.db" 'select count(*) from outcomes')"

for view in "" "--by cause" "--by thread" "--by vma" "--by trace"; do
	# shellcheck disable=SC2086
	a=$("$FAULTLINE" report $view --format csv "$d/serial.db" 2>&1)
	# shellcheck disable=SC2086
	b=$("$FAULTLINE" report $view --format csv "$d/m.db" 2>&1)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "report ${view:-(causes)} is the serial replay's"
	else not_ok "report ${view:-(causes)} is the serial replay's" "$(diff <(echo "$a") <(echo "$b") | head -5)"; fi
done
# The text report, but the line of when each run was replayed.
a=$("$FAULTLINE" report "$d/serial.db" | grep -v 'replayed:')
b=$("$FAULTLINE" report "$d/m.db" | grep -v 'replayed:')
is "the default text report is the serial replay's" "$b" "$a"
expect_ok "report --fidelity reads the merged database" report --fidelity --run 1 "$d/m.db"
expect_ok "diff reads two runs of one trace from two shards" diff "$d/m.db" 1 2
expect_ok "export reads the merged traces" export --table traces --format csv "$d/m.db"
. "$FL_TOP/tui/tmux-lib.sh"
if tui_have_tmux; then
	tui_start 80 24 -- tui "$d/m.db"
	tui_expect "the TUI lists the merged runs of both traces" "mmchurn"
	is "all five of them" "$(tui_screen | grep -cE '(pervma|classic|spf) ')" 5
	tui_stop
else
	skip "the TUI lists the merged runs of both traces" "tmux is not installed (scripts/install-deps installs it)"
	skip "all five of them" "tmux is not installed"
fi
is "every trace has its content hash" \
	"$(q "$d/m.db" 'select count(*) from traces where length(content_hash) = 64')" 2

is "the merged database has the readers' indexes" \
	"$(q "$d/m.db" "select group_concat(name, ' ') from (select name from sqlite_master
		where type = 'index' and sql is not null order by name)")" \
	"$(q "$d/serial.db" "select group_concat(name, ' ') from (select name from sqlite_master
		where type = 'index' and sql is not null order by name)")"

# --hash-only: a shard hashed in place carries the hash a merge computes.
cp "$d/s3.db" "$d/h3.db"
expect_ok "merge --hash-only" merge --hash-only "$d/h3.db"
is "stores the trace's hash in the shard" "$(q "$d/h3.db" 'select content_hash from traces')" \
	"$(q "$d/m.db" 'select content_hash from traces where trace_id = 2')"
is "and changes no other row" "$(q "$d/h3.db" 'select count(*) from outcomes')" \
	"$(q "$d/s3.db" 'select count(*) from outcomes')"
expect_ok "a hashed shard and its unhashed copy merge" merge -q "$d/h.db" "$d/h3.db" "$d/s3.db"
is "as one trace" "$(q "$d/h.db" 'select count(*) from traces')" 1
is "and one run" "$(q "$d/h.db" 'select count(*) from runs')" 1
expect_fail "--hash-only without a database" 2 'no database' merge --hash-only
expect_fail "--hash-only on a missing database" 1 'nope.db' merge --hash-only "$d/nope.db"

# Idempotence: again, in one call twice, and a merged database as a shard.
before=$(dump "$d/m.db")
expect_ok "merge the same shards again" merge "$d/m.db" "$d/s1.db" "$d/s2.db" "$d/s3.db" "$d/s4.db"
is "a second merge adds nothing" "$FL_OUT" \
	"merged 4 databases into $d/m.db: 0 runs added, 5 already there; 0 traces added, 4 already there"
is "the database is unchanged by it" "$(dump "$d/m.db")" "$before"
expect_ok "a shard given twice in one merge" merge "$d/twice.db" "$d/s1.db" "$d/s1.db"
is "is added once" "$(q "$d/twice.db" 'select count(*) from runs')" 1
expect_ok "a merged database merges into another" merge -q "$d/m2.db" "$d/m.db"
is "as the same rows" "$(dump "$d/m2.db")" "$before"
is "-q prints nothing" "$FL_OUT" ""

# More shards than SQLite attaches to one connection (10 here): the merge
# attaches the first ones and reads the others through a connection of
# their own.  One call gives what merging them one by one gives: the same
# rows in the same rowid order (.dump), a trace first met past the limit
# included; and it writes nothing into the shards.
many=()
for k in $(seq 1 12); do
	cp "$d/s2.db" "$d/many$k.db"
	sqlite3 "$d/many$k.db" "update runs set seed = $k"
	many+=("$d/many$k.db")
	[ "$k" = 4 ] && many+=("$d/s1.db")
done
many+=("$d/s3.db")
sums=$(md5sum "${many[@]}")
expect_ok "merge 14 shards in one call" merge -q "$d/many.db" "${many[@]}"
for s in "${many[@]}"; do
	"$FAULTLINE" merge -q "$d/one.db" "$s" 2>"$d/err" || not_ok "merge $s alone" "$(cat "$d/err")"
done
is "gives 14 runs" "$(q "$d/many.db" 'select count(*) from runs')" 14
dumpall() { sqlite3 "$1" .dump | grep -v sqlite_stat; }
if [ "$(dumpall "$d/many.db")" = "$(dumpall "$d/one.db")" ]; then
	ok "the same database as merging them one by one ($(dumpall "$d/one.db" | wc -l) lines)"
else
	not_ok "the same database as merging them one by one" \
		"$(diff <(dumpall "$d/one.db") <(dumpall "$d/many.db") | head -5)"
fi
is "the shards are as they were" "$(md5sum "${many[@]}")" "$sums"

# Identical runs inside one shard are counted, not collapsed.
sqlite3 "$d/s1.db" "insert into runs select null, trace_id, strategy, profile, knobs, seed, tool_version,
	created_at, wall_ms, cost_table, faults, fallbacks, unplaced from runs where run_id = 1"
expect_ok "a shard holding two identical runs" merge -q "$d/dup.db" "$d/s1.db"
is "gives two runs" "$(q "$d/dup.db" 'select count(*) from runs')" 2
expect_ok "merged again" merge -q "$d/dup.db" "$d/s1.db"
is "still two" "$(q "$d/dup.db" 'select count(*) from runs')" 2
sqlite3 "$d/s1.db" "delete from runs where run_id = 2"

# The same trace under another path (another host's collector) is one trace.
cp -r "$t1" "$d/elsewhere"
"$FAULTLINE" replay -s spf-mmseq -o "$d/s5.db" "$d/elsewhere" >/dev/null 2>&1
expect_ok "merge a replay of a copy of a trace" merge "$d/m.db" "$d/s5.db"
is "its trace is the one already there" "$(q "$d/m.db" 'select count(*) from traces')" 2
is "its run points at it" "$(q "$d/m.db" 'select trace_id from runs where strategy = "spf-mmseq"')" 1
# A changed trace is another trace: the hash covers its rows.
sqlite3 "$d/s5.db" "update faults set ip = ip + 1 where fault_id = 7"
expect_ok "merge a shard whose trace differs in one fault" merge -q "$d/m3.db" "$d/m.db" "$d/s5.db"
is "is a trace of its own" "$(q "$d/m3.db" 'select count(*) from traces')" 3

# A replay adds to a merged database as to any other.
expect_ok "replay into a merged database" replay --again -s pervma -o "$d/m.db" "$t2"
is "finds the trace already there" "$(q "$d/m.db" 'select count(*) from traces')" 2

# All or nothing.
runs=$(q "$d/m.db" 'select count(*) from runs')
printf 'not a database at all, long enough to be read as one............\n' >"$d/junk.db"
"$FAULTLINE" replay -s classic -o "$d/s6.db" "$t2" >/dev/null 2>&1
expect_fail "a shard that is not SQLite fails the merge" 1 'junk.db.*not' \
	merge "$d/m.db" "$d/s6.db" "$d/junk.db"
is "and the shard before it is not added" "$(q "$d/m.db" 'select count(*) from runs')" "$runs"
expect_fail "a merge into a new database that fails" 1 'junk.db' merge "$d/new.db" "$d/s6.db" "$d/junk.db"
if [ -e "$d/new.db" ]; then not_ok "leaves no database behind" "$(ls -l "$d"/new.db*)"
else ok "leaves no database behind"; fi
sqlite3 "$d/other.db" "create table t(x); insert into t values (1)"
expect_fail "another program's database is refused" 1 'not a faultline database' \
	merge "$d/m.db" "$d/other.db"
expect_fail "a missing shard is refused" 1 'nope.db' merge "$d/m.db" "$d/nope.db"
expect_fail "the output as a shard is refused" 1 'also given as a shard' merge "$d/m.db" "$d/m.db"
expect_fail "no shard" 2 'no shard' merge "$d/m.db"
expect_fail "no arguments" 2 'no output' merge
expect_fail "an unknown option" 2 'unknown option' merge --bogus "$d/m.db" "$d/s1.db"
is "the refused merges changed nothing" "$(q "$d/m.db" 'select count(*) from runs')" "$runs"

# The command line through the shared option parser (lib/fl_opt.h): the
# options block of the help from its table, the same messages as report's.
expect_ok "merge --help" merge --help
contains "the help's options block names --quiet" "$FL_OUT" '^  -q, --quiet +no summary line$'
contains "... and --hash-only" "$FL_OUT" '^      --hash-only +only hash'
expect_fail "an unknown short option, named" 2 "unknown option '-x'" merge -x "$d/m.db" "$d/s1.db"
expect_fail "a near miss: did you mean" 2 "unknown option '--quite' \\(did you mean '--quiet'\\?\\)" \
	merge --quite "$d/m.db" "$d/s1.db"
expect_fail "a flag given a value" 2 "option '--quiet' takes no value" merge --quiet=yes "$d/m.db" "$d/s1.db"
expect_ok "an option after the databases" merge "$d/m.db" "$d/s1.db" -q
is "... is taken: no summary" "$FL_OUT" ""
is "a merge again adds nothing" "$(q "$d/m.db" 'select count(*) from runs')" "$runs"

done_testing
