#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline replay on the bundled traces: what it stores (row counts that
# must agree with `faultline info` on the same trace), runs sharing a trace,
# determinism, a kill -9 in the middle, bad input and usage errors.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
nodegc=$FL_TOP/traces/x86_64/node-gc
q() { sqlite3 "$1" "$2" 2>&1; }

# contains WHAT TEXT REGEX: TEXT has a line matching the extended REGEX.
contains() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else
		not_ok "$1" "no line matches /$3/ in:" "$2"; fi
}

# What info says about the trace: the numbers the store must agree with.
run_fl info --format json "$mmchurn"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
faults=$(json_get "$FL_TMP/info.json" '$.events.fault')
fellback=$(json_get "$FL_TMP/info.json" '$.faults.fell_back')
if [ "$FL_RC" -eq 0 ] && [ "${faults:-0}" -gt 0 ] && [ "${fellback:-0}" -gt 0 ]; then
	ok "info: mmchurn has $faults faults, $fellback fell back"
else
	not_ok "info: mmchurn has faults and fallbacks" "rc $FL_RC, faults '$faults', fell_back '$fellback'"
fi

# ---- one replay ------------------------------------------------------------

a=$FL_TMP/a.db
expect_ok "replay mmchurn -o DB exits 0" replay "$mmchurn" -o "$a"
contains "summary names the trace and the run" "$FL_OUT" "^run 1: +pervma 6\.15\+: [0-9]+ of $faults faults fell back"
is "no progress line when stderr is not a terminal" "$FL_ERR" ""
is "one run" "$(q "$a" 'select count(*) from runs')" 1
is "one trace" "$(q "$a" 'select count(*) from traces')" 1
is "run: strategy and default profile" "$(q "$a" 'select strategy, profile from runs')" "pervma|6.15+"
is "faults = info's page_fault_user count" "$(q "$a" 'select count(*) from faults')" "$faults"
is "runs.faults = faults" "$(q "$a" 'select faults from runs')" "$faults"
is "one outcome per fault" \
	"$(q "$a" 'select count(*), count(distinct fault_id) from outcomes')" "$faults|$faults"
is "every outcome's fault exists" \
	"$(q "$a" 'select count(*) from outcomes o join runs r using (run_id) where not exists
		(select 1 from faults f where f.trace_id = r.trace_id and f.fault_id = o.fault_id)')" 0
is "cause_counts sum to the faults" "$(q "$a" 'select sum(n) from cause_counts')" "$faults"
is "cause_counts agree with the outcomes, cause by cause" \
	"$(q "$a" 'select count(*) from (select counter, reason, count(*) n, sum(fell_back) fb from outcomes group by 1, 2) o
		full join cause_counts c using (counter, reason) where c.n is not o.n or c.fell_back is not o.fb')" 0
is "runs.fallbacks = outcomes that fell back" \
	"$(q "$a" 'select fallbacks = (select count(*) from outcomes where fell_back) from runs')" 1
is "ground-truth fallbacks = info's fell_back" \
	"$(q "$a" "select count(*) from faults where gt = 'fallback'")" "$fellback"
is "threads' gt_fallbacks add up to the same" "$(q "$a" 'select sum(gt_fallbacks) from threads')" "$fellback"
is "threads' faults add up to the faults" "$(q "$a" 'select sum(faults) from threads')" "$faults"
is "the trace has ground truth and lock windows" \
	"$(q "$a" 'select has_ground_truth, lock_windows from traces')" "1|1"
is "every writer an outcome names is stored" \
	"$(q "$a" 'select count(*) from outcomes o join runs r using (run_id) where o.writer_id is not null
		and not exists (select 1 from writers w where w.trace_id = r.trace_id and w.writer_id = o.writer_id)')" 0
n=$(q "$a" "select count(*) from outcomes where counter = 'vma_lock_abort' and reason = 'write-locked' and writer_id is not null")
if [ "${n:-0}" -gt 0 ] && [ "$n" = "$(q "$a" "select count(*) from outcomes where reason = 'write-locked'")" ]; then
	ok "every write-locked abort names its writer ($n)"
else
	not_ok "every write-locked abort names its writer" "named: $n, write-locked: $(q "$a" "select count(*) from outcomes where reason = 'write-locked'")"
fi
is "only fallbacks take the mmap_lock path" \
	"$(q "$a" "select count(*) from outcomes where (path = 'mmap_lock') != fell_back")" 0
is "store integrity" "$(q "$a" 'PRAGMA integrity_check')" ok
is "application_id and user_version" \
	"$(q "$a" 'PRAGMA application_id')/$(q "$a" 'PRAGMA user_version')" "1179405873/7"

# A database holding exactly this one run, for the kill test below.
cp "$a" "$FL_TMP/one-run.db"

# ---- report on the result ----------------------------------------------------

expect_ok "report DB on the replay's store" report "$a"
contains "report: the run's header" "$FL_OUT" '^run 1: pervma, profile 6\.15\+, seed 0$'
contains "report: the faults line" "$FL_OUT" "^  faults: +$faults; "
expect_ok "report --fidelity DB on it" report --fidelity "$a"
contains "report --fidelity: every fault compared" "$FL_OUT" "^  faults: +$faults in the trace, $faults compared"

# ---- the same trace again: the trace row is shared -------------------------

expect_ok "a second replay into the same DB" replay "$mmchurn" -o "$a" --profile 6.7 --set vma_lock_delay=100
is "two runs" "$(q "$a" 'select count(*) from runs')" 2
is "still one trace row" "$(q "$a" 'select count(*) from traces')" 1
is "both runs on it" "$(q "$a" 'select group_concat(trace_id) from runs')" "1,1"
is "faults stored once" "$(q "$a" 'select count(*) from faults')" "$faults"
is "threads and writers stored once" \
	"$(q "$a" 'select (select count(*) from threads) = (select count(*) from threads where trace_id = 1),
		(select count(*) from writers) = (select count(distinct writer_id) from writers)')" "1|1"
is "one outcome per fault per run" \
	"$(q "$a" 'select group_concat(n) from (select count(*) n from outcomes group by run_id order by run_id)')" \
	"$faults,$faults"
is "second run: profile and knob recorded" \
	"$(q "$a" 'select profile, json_extract(knobs, "$.vma_lock_delay") from runs where run_id = 2')" "6.7|100"

# ---- --strategy all ----------------------------------------------------------

# The registered strategies, as the usage error lists them.
run_fl replay --strategy nosuch "$mmchurn" -o "$FL_TMP/never.db"
strategies=$(printf '%s\n' "$FL_ERR" | sed -n 's/^strategies: //p' | sed 's/ all$//')
all=$FL_TMP/all.db
expect_ok "replay --strategy all" replay --strategy all "$mmchurn" -o "$all"
nstrat=$(printf '%s\n' $strategies | grep -c .)
if [ "$nstrat" -ge 2 ]; then ok "strategies listed: $strategies"; else
	not_ok "the usage error lists the strategies" "$FL_ERR"; fi
is "one run per strategy, in the registry's order" \
	"$(q "$all" 'select group_concat(strategy, " ") from (select strategy from runs order by run_id)')" \
	"$strategies"
is "over one trace row" "$(q "$all" 'select count(*), count(distinct trace_id) from traces')" "1|1"
is "faults stored once for all the runs" "$(q "$all" 'select count(*) from faults')" "$faults"
is "one outcome per fault per run" "$(q "$all" 'select count(*) from outcomes')" "$((faults * nstrat))"
is "cause_counts sum to the faults in each run" \
	"$(q "$all" "select count(*) from runs r where (select sum(n) from cause_counts c where c.run_id = r.run_id) != $faults")" 0
is "--strategy all: the pervma run matches a pervma-only replay" \
	"$(q "$all" "attach '$FL_TMP/one-run.db' as o;
		select count(*) from outcomes x join runs r on r.run_id = x.run_id and r.strategy = 'pervma'
		join o.outcomes y on y.run_id = 1 and y.fault_id = x.fault_id
		where x.path is not y.path or x.counter is not y.counter or x.reason is not y.reason
		   or x.writer_id is not y.writer_id")" 0

# ---- determinism ---------------------------------------------------------------

b=$FL_TMP/b.db
expect_ok "replay mmchurn into a second DB" replay "$mmchurn" -o "$b"
cols="fault_id,path,fell_back,counter,reason,attempts,latency,lock_wait,writer_id,vma_start,vma_end,vma_kind"
sqlite3 "$FL_TMP/one-run.db" "select $cols from outcomes order by fault_id" >"$FL_TMP/o1"
sqlite3 "$b" "select $cols from outcomes order by fault_id" >"$FL_TMP/o2"
if [ -s "$FL_TMP/o1" ] && cmp -s "$FL_TMP/o1" "$FL_TMP/o2"; then
	ok "two replays give identical outcome rows ($(wc -l <"$FL_TMP/o1"))"
else
	not_ok "two replays give identical outcome rows" "$(diff "$FL_TMP/o1" "$FL_TMP/o2" | head -20)"
fi
fcols="fault_id,t,t_end,tid,pid,cpu,address,ip,access,arch_code,major,gt,gt_detail,gt_lock_wait"
if [ "$(sqlite3 "$FL_TMP/one-run.db" "select $fcols from faults order by fault_id" | md5sum)" = \
     "$(sqlite3 "$b" "select $fcols from faults order by fault_id" | md5sum)" ]; then
	ok "... and identical fault rows"
else
	not_ok "... and identical fault rows"
fi
wcols="writer_id,tid,pid,call,args,ret,t_enter,t_exit,t_lock_start,t_lock_acquired,t_lock_released,vmas_written"
if [ "$(sqlite3 "$FL_TMP/one-run.db" "select $wcols from writers order by writer_id" | md5sum)" = \
     "$(sqlite3 "$b" "select $wcols from writers order by writer_id" | md5sum)" ]; then
	ok "... and identical writer rows"
else
	not_ok "... and identical writer rows"
fi

# ---- kill -9 in the middle leaves no half run ----------------------------------

# Replay the bigger trace into a database that holds one run, and kill it
# once it has the database open (its -shm file exists: WAL mode is set and
# the transaction follows) but before it is done.  If it finishes first --
# it exits, or the kill lands after its commit (while it checkpoints and
# closes), leaving its whole run -- try again with less delay; a replay
# that was never killed mid-run proves nothing.  A second run that is not
# whole is a half run: that fails at once.
run_fl info --format json "$nodegc"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info-nodegc.json"
nodegc_faults=$(json_get "$FL_TMP/info-nodegc.json" '$.events.fault')
killed=no
for delay in 0.1 0.05 0.02 0.01 0; do
	k=$FL_TMP/kill.db
	rm -f "$k" "$k-wal" "$k-shm"
	cp "$FL_TMP/one-run.db" "$k"
	"$FAULTLINE" replay "$nodegc" -o "$k" >/dev/null 2>&1 &
	pid=$!
	opened=no
	for _ in $(seq 1000); do
		if [ -e "$k-shm" ]; then opened=yes; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	[ "$opened" = yes ] && [ "$delay" != 0 ] && sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null	# no "Killed" notice from bash
	st=$?
	if [ "$st" -eq 137 ] && [ "$opened" = yes ]; then
		[ "$(q "$k" 'select count(*) from runs')" = 1 ] && { killed=yes; break; }
		is "a kill after the commit left the whole run" \
			"$(q "$k" 'select (select count(*) from runs), (select count(*) from outcomes where run_id = 2), (select count(*) from faults where trace_id = 2)')" \
			"2|$nodegc_faults|$nodegc_faults"
	fi
done
if [ "$killed" = yes ]; then
	ok "kill -9 landed while the replay ran (after ${delay}s)"
	is "after kill -9: still exactly one run" "$(q "$k" 'select count(*) from runs')" 1
	is "after kill -9: no row of the killed replay" \
		"$(q "$k" 'select (select count(*) from traces), (select count(*) from outcomes), (select count(*) from faults)')" \
		"1|$faults|$faults"
	is "after kill -9: integrity_check ok" "$(q "$k" 'PRAGMA integrity_check')" ok
	expect_ok "after kill -9: the database takes a new run" replay "$nodegc" -o "$k"
	is "... which is then the second" "$(q "$k" 'select count(*), count(distinct trace_id) from runs')" "2|2"
else
	not_ok "kill -9 lands while the replay runs" \
		"no replay of node-gc was killed with the database open (last status $st, opened $opened)"
fi

# ---- bad input ---------------------------------------------------------------

# A trace without page-fault events (an lttng-kernel fixture with only
# sched_switch).
mk=$FL_BUILD/tests/tools/mkfixture-lttng-kernel
if "$mk" --scenario empty-of-needed "$FL_TMP/empty" >/dev/null 2>&1; then
	expect_fail "trace without page-fault events: refused, exit 1, names them" 1 \
		"empty: the trace has no page-fault events" replay "$FL_TMP/empty" -o "$FL_TMP/e.db"
	contains "... and the hint says how to record them" "$FL_ERR" "^hint: .*page_fault_user"
	if [ ! -e "$FL_TMP/e.db" ]; then ok "... and no database is left"; else
		is "... and no run is written" "$(q "$FL_TMP/e.db" 'select count(*) from runs')" 0; fi
else
	not_ok "fixture generator writes the empty-of-needed scenario"
fi

# A database another program wrote.
sqlite3 "$FL_TMP/other.db" 'create table notes (x text); insert into notes values ("mine")'
expect_fail "a database of another program: exit 1, not a faultline database" 1 \
	"other.db: not a faultline database" replay "$mmchurn" -o "$FL_TMP/other.db"
is "... and it is left alone" "$(q "$FL_TMP/other.db" "select group_concat(name) from sqlite_master")" "notes"

# A file that is not SQLite at all.
printf 'hello, not a database\n%.0s' $(seq 100) >"$FL_TMP/text.db"
expect_fail "a file that is not SQLite: exit 1, says so" 1 \
	"text.db: not an SQLite database" replay "$mmchurn" -o "$FL_TMP/text.db"

# A faultline database from a future schema.
cp "$FL_TMP/one-run.db" "$FL_TMP/future.db"
# A database of the first schema (before thread_times) is refused, named.
cp "$FL_TMP/future.db" "$FL_TMP/old.db" 2>/dev/null || true
rm -f "$FL_TMP/old.db"
expect_ok "a fresh database for the old-schema check" replay -o "$FL_TMP/old.db" "$mmchurn"
sqlite3 "$FL_TMP/old.db" 'PRAGMA user_version = 1'
expect_fail "a schema version from the past: exit 1, names both versions" 1 \
	"old.db: schema version 1 is older than this faultline's \(7\)" replay "$mmchurn" -o "$FL_TMP/old.db"
sqlite3 "$FL_TMP/future.db" 'PRAGMA user_version = 99'
expect_fail "a schema version from the future: exit 1, names both versions" 1 \
	"future.db: schema version 99 is newer than this faultline's \(7\)" replay "$mmchurn" -o "$FL_TMP/future.db"
is "... and no run is added" "$(q "$FL_TMP/future.db" 'select count(*) from runs')" 1

# ---- usage errors ----------------------------------------------------------------

u=$FL_TMP/usage.db
expect_fail "unknown strategy: exit 2" 2 "unknown strategy 'nosuch'" replay -s nosuch "$mmchurn" -o "$u"
contains "... lists the strategies" "$FL_ERR" "^strategies: .*pervma.* all$"
expect_fail "bad profile: exit 2, lists the profiles that exist" 2 \
	"profile 'banana': pervma models kernels from 6\.4 on, with the rules of 6\.15\+, 6\.4, 6\.6, 6\.7, 6\.10" \
	replay --profile banana "$mmchurn" -o "$u"
expect_fail "-p 5.10: the profiles that exist" 2 "profile '5\.10': pervma models kernels from 6\.4 on, with the rules of 6\.15\+" \
	replay -p 5.10 "$mmchurn" -o "$u"
expect_fail "-s all -p 5.10: no strategy takes it, each one's profiles listed" 2 \
	"no strategy takes profile '5\.10' \(pervma: 6\.15\+, 6\.4, 6\.6, 6\.7, 6\.10; spf: v12, " \
	replay -s all -p 5.10 "$mmchurn" -o "$u"
expect_fail "profile before per-VMA locks: exit 2" 2 "profile '6\.1'" replay -p 6.1 "$mmchurn" -o "$u"
expect_fail "a profile for a strategy without profiles: exit 2" 2 "takes no --profile" \
	replay -s classic -p 6.7 "$mmchurn" -o "$u"
expect_fail "unknown --set key: exit 2, names it" 2 "has no knob 'nosuch'" \
	replay --set nosuch=1 "$mmchurn" -o "$u"
expect_fail "... and lists the valid ones with units and defaults" 2 \
	"strategy 'pervma' has no knob 'nosuch'; its knobs: vma_lock_delay \(ns, default 0\)" \
	replay --set nosuch=1 "$mmchurn" -o "$u"
expect_fail "spf: the list has every knob" 2 "writer_scale \(percent, default 100\), jitter_ns \(ns, default 0\)" \
	replay -s spf --set writer_scal=1 "$mmchurn" -o "$u"
expect_fail "-s all: a knob no strategy has" 2 "no strategy has a knob 'writer_scal' \(.faultline help knobs. lists them all\)" \
	replay -s all --set writer_scal=1 "$mmchurn" -o "$u"
expect_fail "--set without a value: exit 2" 2 "--set wants key=value" replay --set vma_lock_delay "$mmchurn" -o "$u"
expect_fail "--set out of range: exit 2" 2 "vma_lock_delay=-1: out of range" \
	replay --set vma_lock_delay=-1 "$mmchurn" -o "$u"
expect_fail "--seed not a number: exit 2" 2 "--seed: 'x' is not a number" replay --seed x "$mmchurn" -o "$u"
expect_fail "no trace: exit 2" 2 "no trace given" replay -o "$u"
expect_fail "unknown option: exit 2" 2 "unknown option" replay --frobnicate "$mmchurn" -o "$u"
if [ -e "$u" ]; then not_ok "usage errors create no database" "$(ls -l "$u")"; else
	ok "usage errors create no database"; fi

# ---- the same replay again ---------------------------------------------------------

d=$FL_TMP/dup.db
expect_ok "dup: a first replay" replay -s pervma --set vma_lock_delay=50 "$mmchurn" -o "$d"
expect_fail "dup: the same trace, strategy, profile, knobs and seed again is refused" 2 \
	"dup\.db already holds run 1, the same trace, strategy \(pervma\), profile, knobs and seed" \
	replay -s pervma --set vma_lock_delay=50 "$mmchurn" -o "$d"
contains "... with a hint" "$FL_ERR" "^hint: read it with .faultline report --run 1 .*dup\.db., replace it with --replace, or add it anyway with --again$"
(cd "$(dirname "$mmchurn")" && "$FAULTLINE" replay -s pervma --set vma_lock_delay=50 "./$(basename "$mmchurn")" -o "$d" >/dev/null 2>&1)
is "dup: the same trace by another path is the same trace" "$?" 2
is "dup: nothing stored by the refused replays" "$(q "$d" 'select count(*) from runs')" 1
expect_ok "dup: another knob value is another run" replay -s pervma --set vma_lock_delay=60 "$mmchurn" -o "$d"
expect_ok "dup: another seed is another run" replay -s pervma --set vma_lock_delay=50 --seed 1 "$mmchurn" -o "$d"
expect_ok "dup: --again stores it anyway" replay -s pervma --set vma_lock_delay=50 --again "$mmchurn" -o "$d"
is "dup: four runs" "$(q "$d" 'select count(*) from runs')" 4

# --seeds without a jitter knob: the seeds change nothing, and it says so.
expect_ok "--seeds 2 without jitter" replay -s pervma --seeds 2 "$mmchurn" -o "$FL_TMP/seeds.db"
contains "... says the seeds change nothing" "$FL_ERR" "note: no jitter knob is set .*: the 2 seeds change nothing"
contains "... the spread table has headers" "$FL_OUT" "^  counter +reason +min +median +max$"

# ---- --help ----------------------------------------------------------------------

expect_ok "replay --help exits 0" replay --help
help=$FL_OUT
# Every long option of the option table in builtin-replay.c (the help's
# options block is printed from it: this checks the print).
opts=$(sed -n '/static const struct fl_option replay_options/,/^};/p' "$FL_TOP/replay/builtin-replay.c" |
	sed -n 's/.*{ FL_OPT_[A-Z]*, [^,]*, "\([a-z-]*\)",.*/\1/p')
if [ "$(printf '%s\n' $opts | grep -c .)" -ge 6 ]; then ok "found the option table"; else
	not_ok "found the option table in replay/builtin-replay.c" "$opts"; fi
for o in $opts; do
	contains "--help lists --$o" "$help" "^ +(-[a-z], )?--$o( |$)"
done
for p in 6.4 6.6 6.7 6.10 6.15+; do
	case "$help" in *"$p"*) ok "--help names the pervma profile $p" ;;
		*) not_ok "--help names the pervma profile $p" "$help" ;; esac
done

# ---- progress on a terminal ----------------------------------------------------------

if command -v script >/dev/null 2>&1; then
	script -qec "'$FAULTLINE' replay '$mmchurn' -o '$FL_TMP/tty.db' >/dev/null" /dev/null \
		>"$FL_TMP/tty.out" 2>&1 </dev/null
	contains "a progress line when stderr is a terminal" "$(tr '\r' '\n' <"$FL_TMP/tty.out")" \
		"^replay: [0-9]+ events, $faults faults decided"
else
	skip "a progress line when stderr is a terminal" "no script(1) to make a terminal"
fi

# The kernel and host of a faultline trace come from its header event, read
# after the trace's row is added: the row holds them all the same.
for t in fl-mmchurn mmchurn; do
	"$FAULTLINE" info --format json "$FL_TOP/traces/x86_64/$t" >"$FL_TMP/k.json"
	expect_ok "$t: replayed" replay -s classic -o "$FL_TMP/k-$t.db" "$FL_TOP/traces/x86_64/$t"
	is "$t: traces.kernel and hostname are the trace's" \
		"$(sqlite3 "$FL_TMP/k-$t.db" 'select kernel, hostname from traces')" \
		"$(json_get "$FL_TMP/k.json" '$.kernel_release')|$(json_get "$FL_TMP/k.json" '$.hostname')"
done

done_testing
