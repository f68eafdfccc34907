#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline sweep: the job matrix, GNU parallel running it, the merged
# database against the same replays run one after another into one
# database, re-runs that skip finished shards, --emit list and slurm, a
# failed job, refused matrices; the jobs' shared decode cache.
. "$FL_TOP/tests/lib.sh"

d=$FL_TMP
cd "$d" || exit 1
# Copies of two bundled traces, whose stream files are made zeros (size
# and mtime kept: the same decode cache key) while the sweeps must read
# them from the cache, then put back.
mkdir orig tr
cp -a "$FL_TOP/traces/x86_64/fl-mmchurn" "$FL_TOP/traces/x86_64/mmchurn" orig/
cp -a orig/* tr/
t1=$d/tr/fl-mmchurn
t2=$d/tr/mmchurn
q() { sqlite3 "$1" "$2"; }
streams() { (cd "$1" && find . -type f ! -name metadata | sort); }
zero_streams() {
	local t f
	for t in fl-mmchurn mmchurn; do
		for f in $(streams "orig/$t"); do
			dd if=/dev/zero of="tr/$t/$f" bs="$(stat -c %s "orig/$t/$f")" count=1 \
				conv=notrunc status=none
			touch -r "orig/$t/$f" "tr/$t/$f"
		done
	done
}
restore_streams() {
	local t f
	for t in fl-mmchurn mmchurn; do
		for f in $(streams "orig/$t"); do
			cat "orig/$t/$f" >"tr/$t/$f"
			touch -r "orig/$t/$f" "tr/$t/$f"
		done
	done
}

# The matrix: per trace, classic once (it has no vma_lock_delay) and pervma
# at two delays: 6 jobs.
m=(-s classic,pervma --set vma_lock_delay=0,100000)

expect_ok "--emit list" sweep "${m[@]}" --emit list -o sw.db "$t1" "$t2"
is "lists the 6 jobs" "$(printf '%s\n' "$FL_OUT" | grep -c ' replay ')" 6
is "classic once per trace, with no knob" \
	"$(printf '%s\n' "$FL_OUT" | grep -c -- '-s classic --seed 0 -o')" 2
is "pervma once per delay and trace" \
	"$(printf '%s\n' "$FL_OUT" | grep -c -- '-s pervma --set vma_lock_delay=100000 ')" 2
if ls sw.db.shards/*.db >/dev/null 2>&1; then not_ok "--emit list runs nothing" "$(ls sw.db.shards)"
else ok "--emit list runs nothing"; fi

# The same jobs one after another into one database, in the list's order.
# (A job is "replay ... -o SHARD TRACE >LOG 2>&1 && merge --hash-only SHARD ...".)
printf '%s\n' "$FL_OUT" | sed -e 's| >.*$| >/dev/null|' -e 's| -o [^ ]*\.db | -o serial.db |' >serial.sh
sh -e serial.sh
is "the serial replays" "$(q serial.db 'select count(*) from runs')" 6
is "each job hashes its shard's trace" "$(grep -c ' merge --hash-only .*\.db >>' <<<"$FL_OUT")" 6
is "each job reads and fills the sweep's decode cache" \
	"$(grep -c -- " --decode-cache sw.db.shards/decoded $d/tr/" <<<"$FL_OUT")" 6
is "the listed jobs decoded each trace once, kept in the cache" "$(ls sw.db.shards/decoded/*.fld | wc -l)" 2

# From here to the first sweeps' end the traces' streams are zeros: the
# jobs replay them only from the decode cache.
mkdir ser.shards
cp -a sw.db.shards/decoded ser.shards/
zero_streams
if "$FAULTLINE" replay -o zero.db "$t1" >/dev/null 2>&1; then not_ok "the zeroed traces do not decode"
else ok "the zeroed traces do not decode"; fi

# --serial: the same matrix without GNU parallel.
expect_ok "sweep --serial, from the cache" sweep "${m[@]}" --serial -o ser.db -d ser.shards "$t1" "$t2"
is "says it runs one at a time" "$FL_ERR" "faultline sweep: 6 jobs, 6 to run, 0 done; running one at a time"
is "gives the serial replay's report" "$("$FAULTLINE" report --format csv ser.db)" \
	"$("$FAULTLINE" report --format csv serial.db)"
is "and its outcome rows" \
	"$(q ser.db 'select r.strategy, r.knobs, o.* from outcomes o join runs r using (run_id) order by 3, 4' | md5sum)" \
	"$(q serial.db 'select r.strategy, r.knobs, o.* from outcomes o join runs r using (run_id) order by 3, 4' | md5sum)"
is "the decode cache removed once all is merged" "$(ls -d ser.shards/decoded 2>/dev/null)" ""
is "the planner's statistics cover the merged outcomes" \
	"$(q ser.db "select count(*) > 0 from sqlite_stat1 where tbl = 'outcome_rows'")" 1

if ! command -v parallel >/dev/null 2>&1; then
	skip "sweep through GNU parallel" "GNU parallel is not installed (scripts/install-deps installs it)"
else
	expect_ok "sweep through GNU parallel -j 2, from the cache" sweep "${m[@]}" -j 2 -o sw.db "$t1" "$t2"
	is "says what it runs" "$FL_ERR" \
		"faultline sweep: 6 jobs, 6 to run, 0 done; running with GNU parallel -j 2"
	is "GNU parallel ran the 6 jobs (its job log)" "$(tail -n +2 sw.db.shards/joblog | wc -l)" 6
	is "every job exited 0 under it" "$(tail -n +2 sw.db.shards/joblog | awk -F'\t' '$7 != 0' | wc -l)" 0
	is "6 shards" "$(ls sw.db.shards/*.db | wc -l)" 6
	is "6 runs merged" "$(q sw.db 'select count(*) from runs')" 6
	# The merges along the way leave the statistics to the last one.
	is "the planner's statistics cover the merged outcomes" \
		"$(q sw.db "select count(*) > 0 from sqlite_stat1 where tbl = 'outcome_rows'")" 1
	is "2 traces" "$(q sw.db 'select count(*) from traces')" 2
	is "every shard holds its trace's hash" \
		"$(for f in sw.db.shards/*.db; do q "$f" 'select length(content_hash) from traces'; done | sort -u)" 64
	is "the merge took them as stored" "$(q sw.db 'select count(distinct content_hash) from traces')" \
		"$(for f in sw.db.shards/*.db; do q "$f" 'select content_hash from traces'; done | sort -u | wc -l)"
	for view in "" "--by thread" "--by trace"; do
		# shellcheck disable=SC2086
		a=$("$FAULTLINE" report $view --format csv serial.db 2>&1)
		# shellcheck disable=SC2086
		b=$("$FAULTLINE" report $view --format csv sw.db 2>&1)
		if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "report ${view:-(causes)}: the sweep's is the serial replay's"
		else not_ok "report ${view:-(causes)}: the sweep's is the serial replay's" \
			"$(diff <(echo "$a") <(echo "$b") | head -5)"; fi
	done
	is "outcome rows are the serial replay's" \
		"$(q sw.db 'select r.strategy, r.knobs, o.* from outcomes o join runs r using (run_id) order by 3, 4' | md5sum)" \
		"$(q serial.db 'select r.strategy, r.knobs, o.* from outcomes o join runs r using (run_id) order by 3, 4' | md5sum)"
	is "the decode cache removed once all is merged" "$(ls -d sw.db.shards/decoded 2>/dev/null)" ""
	restore_streams

	expect_ok "the same sweep again" sweep "${m[@]}" -j 2 -o sw.db "$t1" "$t2"
	is "runs no job" "$FL_ERR" "faultline sweep: 6 jobs, 0 to run, 6 done"
	is "and adds no run" "$(q sw.db 'select count(*) from runs')" 6

	# A shard lost (or a job killed before its commit) is run again, alone.
	lost=$(ls sw.db.shards/*.db | head -1)
	rm -f "$lost"
	: >"${lost%.db}.db"		# what a job killed at once leaves: an empty file
	expect_ok "a sweep with one shard not done (the trace decoded again)" sweep "${m[@]}" -j 2 -o sw.db "$t1" "$t2"
	is "runs that job only" "$FL_ERR" "faultline sweep: 6 jobs, 1 to run, 5 done; running with GNU parallel -j 2"
	is "whose run was in the merge already" "$(q sw.db 'select count(*) from runs')" 6

	# A larger matrix keeps the finished shards.
	expect_ok "a sweep with one more value" sweep -s classic,pervma --set vma_lock_delay=0,100000,5000 \
		-j 2 -o sw.db "$t1" "$t2"
	is "runs the new jobs only" "$FL_ERR" \
		"faultline sweep: 8 jobs, 2 to run, 6 done; running with GNU parallel -j 2"
	is "and merges them" "$(q sw.db 'select count(*) from runs')" 8
	expect_ok "report --by trace on the sweep" report --by trace sw.db
	is "one row per strategy and setting" "$(printf '%s\n' "$FL_OUT" | grep -cE '^  (classic|pervma) ')" 4
	is "the delays named in the setting column" \
		"$(printf '%s\n' "$FL_OUT" | grep -c 'vma_lock_delay=')" 3
	if printf '%s\n' "$FL_OUT" | awk 'length > 80 { bad = 1 } END { exit !bad }'; then
		not_ok "fits 80 columns" "$FL_OUT"
	else ok "fits 80 columns"; fi

	# --sshlogin ':' is this host, without ssh: the jobs run through
	# parallel's remote path (--workdir .) and land in the same shards.
	expect_ok "sweep --sshlogin :" sweep -s classic --sshlogin : -o ssh.db "$t1"
	is "runs its job through GNU parallel on ':'" "$(tail -n +2 ssh.db.shards/joblog | cut -f2)" ":"
	is "and merges it" "$(q ssh.db 'select count(*) from runs')" 1

	# A job that fails: the others are merged, the failure named.
	mkdir notatrace
	expect_fail "a sweep with a job that fails" 1 'a job failed: its output is in .*\.log' \
		sweep -s classic -j 2 -o f.db "$t1" notatrace
	is "the job that worked is merged" "$(q f.db 'select count(*) from runs')" 1
	log=$(printf '%s\n' "$FL_ERR" | sed -n 's/.*its output is in //p' | head -1)
	if grep -q 'faultline' "$log"; then ok "the failed job's log has replay's error"
	else not_ok "the failed job's log has replay's error" "$(cat "$log")"; fi

	# Short jobs go several to a line of the job list, fewer towards its
	# end: 10 jobs on one slot are lines of 3, 2, then 1.  A line runs each
	# of its jobs whatever the one before gave, and its exit value has a
	# bit set per job that failed: the jobs of notatrace, the third of the
	# first line and the first of the second (exit values 4 and 1).
	t3=$FL_TOP/traces/x86_64/fl-proctree
	t4=$FL_TOP/traces/x86_64/fl-forkwalk
	expect_fail "a sweep of 10 jobs on one slot, 2 failing" 1 '2 of 10 jobs failed' \
		sweep -s classic --seeds 2 -j 1 -o g.db "$t1" notatrace "$t2" "$t3" "$t4"
	is "names both failed jobs' logs" "$(printf '%s\n' "$FL_ERR" | grep -c 'a job failed')" 2
	is "GNU parallel ran 7 lines" "$(tail -n +2 g.db.shards/joblog | wc -l)" 7
	is "of 3, 2, then 1 jobs" "$(awk '{ print gsub(/ replay /, "") }' g.db.shards/jobs.txt | tr '\n' ' ')" \
		"3 2 1 1 1 1 1 "
	is "their exit values say which jobs failed" \
		"$(tail -n +2 g.db.shards/joblog | sort -n | cut -f7 | tr '\n' ' ')" "4 1 0 0 0 0 0 "
	is "the 8 other jobs are merged" "$(q g.db 'select count(*) from runs')" 8
	is "none of notatrace" "$(q g.db "select count(*) from traces where path like '%notatrace%'")" 0
	expect_fail "the same matrix --serial" 1 '2 of 10 jobs failed' \
		sweep -s classic --seeds 2 --serial -o gs.db "$t1" notatrace "$t2" "$t3" "$t4"
	is "gives the same runs, ids and order" \
		"$(q g.db 'select run_id, path, seed from runs join traces using (trace_id) order by run_id')" \
		"$(q gs.db 'select run_id, path, seed from runs join traces using (trace_id) order by run_id')"
fi

restore_streams

# --emit slurm: an array script of the jobs to run.
expect_ok "--emit slurm" sweep -s all --seeds 2 --emit slurm -o sl.db "$t1"
printf '%s\n' "$FL_OUT" >array.sh
if sh -n array.sh; then ok "the script is valid sh"; else not_ok "the script is valid sh" "$FL_OUT"; fi
is "an array of the 8 jobs" "$(grep -c '^#SBATCH --array=1-8$' array.sh)" 1
is "one case arm per task" "$(grep -cE '^[0-9]+\) .* replay ' array.sh)" 8
SLURM_ARRAY_TASK_ID=3 sh array.sh
is "a task runs its job" "$(ls sl.db.shards/*.db 2>/dev/null | wc -l)" 1
expect_ok "--emit list after it" sweep -s all --seeds 2 --emit list -o sl.db "$t1"
is "lists the 7 jobs left" "$(printf '%s\n' "$FL_OUT" | grep -c ' replay ')" 7

# Refused matrices: nothing is run.
expect_fail "a knob none of the strategies has" 2 'none of the strategies has that knob' \
	sweep -s classic --set vma_lock_delay=1 --emit list "$t1"
expect_fail "an unknown strategy" 2 "unknown strategy 'nope'" sweep -s nope --emit list "$t1"
expect_fail "a value out of a knob's range" 2 'vma_lock_delay=-5: pervma takes 0\.\.' \
	sweep -s pervma --set vma_lock_delay=0,-5 --emit list "$t1"
expect_fail "a value that is not a number" 2 'vma_lock_delay=x' \
	sweep -s pervma --set vma_lock_delay=x --emit list "$t1"
expect_fail "a profile none takes" 2 "profile 'v99'" sweep -s pervma -p v99 --emit list "$t1"
expect_fail "a knob given twice" 2 'given twice' \
	sweep --set vma_lock_delay=1 --set vma_lock_delay=2 --emit list "$t1"
expect_fail "--set without a value" 2 '--set wants KEY=V1' sweep --set vma_lock_delay= --emit list "$t1"
expect_fail "a trace that is not a directory" 1 'not a trace directory' sweep --emit list "$d/nope"
expect_fail "no trace" 2 'no trace given' sweep --emit list
expect_fail "-j 0" 2 'job count' sweep -j 0 "$t1"
expect_fail "an unknown --emit" 2 'run, list or slurm' sweep --emit make "$t1"
expect_fail "--serial with -j" 2 'serial' sweep --serial -j 2 "$t1"
expect_fail "--seeds 0" 2 "--seeds: '0' is not a count from 1 to 10000" sweep --seeds 0 "$t1"
expect_fail "--seed not a number" 2 "--seed: 'x' is not a number" sweep --seed x "$t1"

# The command line through the shared option parser (lib/fl_opt.h): the
# options block of the help from its table, the same messages as report's.
expect_ok "sweep --help" sweep --help
contains "the help's options block names --strategy" "$FL_OUT" '^  -s, --strategy S,\.\.\. +strategies'
contains "... --emit and its words" "$FL_OUT" '^      --emit HOW +run \(default\)'
contains "... and -h last" "$FL_OUT" '^  -h, --help +this help$'
expect_fail "an unknown option, with did you mean" 2 "unknown option '--shrads' \\(did you mean '--shards'\\?\\)" \
	sweep --shrads dir "$t1"
expect_fail "an unknown short option" 2 "unknown option '-x'" sweep -x "$t1"
expect_fail "an option without its value" 2 "option '--emit' needs a value" sweep "$t1" --emit
expect_ok "options after the trace, --opt=value" sweep "$t1" -s spf,classic --seeds=2 --emit=list -o sl.db
is "... taken: 4 jobs listed" "$(printf '%s\n' "$FL_OUT" | grep -c ' replay ')" 4

done_testing
