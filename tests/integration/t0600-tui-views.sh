#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline tui, view by view, at 80x24 through tmux: the runs list, a run's
# causes with their time strips, a cause by VMA, thread and writer, the
# faults of a writer, one fault's detail (facts, the writer that aborted it
# in the timeline, the other runs' outcomes), and the compare view.  The
# expected numbers come from the database itself, through sqlite3.
. "$FL_TOP/tests/lib.sh"
. "$FL_TOP/tui/tmux-lib.sh"

tui_need_tmux "faultline tui views"

db=$FL_TMP/all.db
one=$FL_TMP/one.db
tui_replay "$db" -s all
tui_replay "$one" -s pervma
q() { sqlite3 "$db" "$1"; }

# ---- runs ------------------------------------------------------------------
tui_start 80 24 -- tui "$db"
tui_expect "runs view: the title" " runs  ["
tui_expect_line "runs view: the column titles" "run +trace +strategy +profile +seed +faults +fb +share +unplaced +knobs"
for r in 1 2 3 4; do
	strategy=$(q "select strategy from runs where run_id = $r")
	profile=$(q "select profile from runs where run_id = $r")
	[ -n "$profile" ] || profile=-
	faults=$(q "select faults from runs where run_id = $r")
	fb=$(q "select fallbacks from runs where run_id = $r")
	tui_expect_line "runs view: run $r, $strategy, its totals" \
		"^ +$r node-gc +$strategy +${profile//+/\\+} +0 +$faults +$fb +[0-9.]+% +696 +default$"
done
tui_expect "runs view: the run under the cursor's trace" \
	"traces/x86_64/node-gc (perf-ctf, kernel $(q "select kernel from traces"))"
tui_expect "runs view: the run under the cursor's knobs, in full" \
	"knobs $(q "select knobs from runs where run_id = 1")"

# ---- causes ----------------------------------------------------------------
tui_keys G Enter
tui_expect "causes view: its title" " run 4 spf-mmseq > causes"
tui_expect_line "causes view: the abort time strip" "^ aborts +[^ ]"
tui_expect_line "causes view: the selected cause's time strip" "^ this cause +[^ ]"
tui_expect_line "causes view: the column titles" "counter +reason +fb +count +share +mean +p99"
# The first row: the cause with the most fallbacks.
read -r top_counter top_reason_n <<<"$(q "select counter, n from cause_counts where run_id = 4
	order by fell_back desc, n desc limit 1" | tr '|' ' ')"
top_reason=$(q "select reason from cause_counts where run_id = 4 order by fell_back desc, n desc limit 1")
total=$(q "select faults from runs where run_id = 4")
share=$(awk -v n="$top_reason_n" -v t="$total" 'BEGIN { printf "%.1f%%", 100 * n / t }')
line=$(tui_screen | sed -n 6p)
case "$line" in
" ${top_counter:0:7}"*" $top_reason_n "*" $top_reason_n "*" $share "*) ok "causes view: the top cause first, its fb, count and share" ;;
*) not_ok "causes view: the top cause first, its fb, count and share" "line 6: $line" \
	"want: $top_counter $top_reason_n $top_reason_n $share" ;;
esac
# Mean and p99 (nearest rank) of SPF_ABORT_ODD, formatted as the TUI does.
fmt_ns() {
	awk -v v="$1" 'BEGIN {
		if (v < 1e3) printf "%.0fns", v;
		else if (v < 1e6) printf "%.*fus", (v < 1e4 ? 2 : v < 1e5 ? 1 : 0), v / 1e3;
		else if (v < 1e9) printf "%.*fms", (v < 1e7 ? 2 : v < 1e8 ? 1 : 0), v / 1e6;
		else printf "%.2fs", v / 1e9 }'
}
w="run_id = 4 and counter = 'SPF_ABORT_ODD'"
n=$(q "select count(*) from outcomes where $w")
mean=$(fmt_ns "$(q "select sum(latency) / count(*) from outcomes where $w")")
p99=$(fmt_ns "$(q "select latency from outcomes where $w order by latency
	limit 1 offset ($n * 99 + 99) / 100 - 1")")
tui_expect_line "causes view: SPF_ABORT_ODD's count, mean $mean and p99 $p99" \
	"^ SPF_ABORT_ODD .* $n +$n +[0-9.]+% .* $mean +$p99 *$"
tui_expect "causes view: the run's totals, seed and knobs" \
	" node-gc: $total faults, $(q "select fallbacks from runs where run_id = 4") fell back, 696 unplaced; seed 0, default knobs"

# ---- by VMA, thread, writer --------------------------------------------------
tui_keys Enter
tui_expect "by VMA: its title names the cause" "spf-mmseq > $top_counter > by VMA"
tui_expect "by VMA: the full cause on the context line, and what Tab does" \
	"cause: $top_counter / $top_reason   [Tab: by thread]"
tui_expect_line "by VMA: the column titles" "VMA +kind +count +share +mean +p99"
tui_expect_line "by VMA: a VMA row: range, kind, count" "^ [0-9a-f]{12}-[0-9a-f]{12} +[a-z]+ +[0-9]+ +[0-9.]+%"
tui_keys Tab
tui_expect "Tab: by thread" "> $top_counter > by thread"
tui_expect_line "by thread: the column titles" "tid +comm +count +share +mean +p99"
tui_expect_line "by thread: a thread row with its comm" "^ +[0-9]+ node +[0-9]+ +[0-9.]+%"
tui_keys Tab
tui_expect "Tab: by writer" "> $top_counter > by writer"
tui_expect_line "by writer: the column titles" "writer +call +tid +at +count +share +mean +p99"
tui_keys Tab
tui_expect "Tab: back to by VMA" "> $top_counter > by VMA"

# SPF_ABORT_ODD by writer: the writer that caused the most of them first.
tui_keys BSpace
tui_expect "Backspace: back to the causes" " run 4 spf-mmseq > causes"
tui_keys j Enter Tab Tab
tui_expect "SPF_ABORT_ODD by writer" "run 4 spf-mmseq > SPF_ABORT_ODD > by writer"
read -r wid wn <<<"$(q "select writer_id, count(*) from outcomes where $w group by 1
	order by 2 desc, 1 desc limit 1" | tr '|' ' ')"
wcall=$(q "select call from writers where writer_id = $wid")
wtid=$(q "select tid from writers where writer_id = $wid")
line=$(tui_screen | sed -n 4p)
case "$line" in
*"#$wid $wcall"*" $wtid "*" $wn "*) ok "by writer: writer #$wid ($wcall by $wtid) first, with its $wn aborts" ;;
*) not_ok "by writer: writer #$wid ($wcall by $wtid) first, with its $wn aborts" "line 4: $line" ;;
esac

# ---- faults of a row ----------------------------------------------------------
tui_keys Enter
tui_expect "faults view: its title" "SPF_ABORT_ODD > writer #$wid > faults"
tui_expect_line "faults view: the column titles" "fault +time +tid +address +access +path +latency +wait +writer"
fid=$(q "select min(fault_id) from outcomes where $w and writer_id = $wid")
read -r ftid faddr <<<"$(q "select tid, printf('%x', address) from faults where fault_id = $fid" | tr '|' ' ')"
tui_expect_line "faults view: the writer's first fault $fid, its thread and address" \
	"^ +$fid +[0-9]+\.[0-9]{9} +$ftid $faddr .* #$wid *$"
rows=$(tui_screen | grep -cE " #$wid *$")
want=$((wn < 20 ? wn : 20))
is "faults view: one row per fault of the writer (on the first page)" "$rows" "$want"

# ---- the fault's detail ---------------------------------------------------------
tui_keys Enter
tui_expect "detail: the fault" "Fault $fid of node-gc"
tui_expect "detail: its thread" "thread    $ftid node"
tui_expect "detail: its address" "address   0x$faddr"
tui_expect "detail: its outcome in the run" "Outcome in run 4 spf-mmseq"
tui_expect "detail: the counter" "counter   SPF_ABORT_ODD"
tui_expect "detail: what the cause means, as its table says" \
	"meaning   mmap_seq_read_start() finds mmap_seq odd"
tui_expect "detail: the writer that aborted it" "writer    #$wid $wcall by $wtid node (caused it)"
tui_expect "detail: why the lock wait is what it is" "Why the lock wait is "
tui_expect_line "detail: the thread's shift" "^   shift     [+-][0-9.]+[num]?s"
# The timeline is below: / finds it.
tui_keys / T i m e l i n e Enter
tui_expect "detail: the timeline" "Timeline: writers on this VMA, and mmap_lock holders"
tui_expect_line "detail: the aborting writer in the timeline" "#$wid $wcall +$wtid node .*<< cause"
ft=$(q "select printf('%d.%09d', (f.t - t.t_first) / 1000000000, (f.t - t.t_first) % 1000000000)
	from faults f join traces t using (trace_id) where f.fault_id = $fid")
tui_expect_line "detail: the fault itself in the timeline, at its time" "^ +$ft .* FAULT +$ftid node"
tui_keys G
tui_expect "detail: the other runs of the trace" "The same fault under each run of this trace"
for r in 1 2 3; do
	strategy=$(q "select strategy from runs where run_id = $r")
	counter=$(q "select counter from outcomes where run_id = $r and fault_id = $fid")
	tui_expect_line "detail: run $r ($strategy) side by side: $counter" "^  ?$r +$strategy .*${counter:0:20}"
done
tui_expect_line "detail: this run marked" "^ >4 +spf-mmseq .*SPF_ABORT_ODD"

# ---- compare --------------------------------------------------------------------
tui_keys d
tui_expect "d: pick the run to compare with" "compare run 4 with: pick a run"
tui_keys k Enter
tui_expect "compare view: its title" "compare: A = run 4 spf-mmseq, B = run 2 pervma 6.15+"
read -r a_only b_only <<<"$(q "select sum(x.fell_back > y.fell_back), sum(y.fell_back > x.fell_back)
	from outcomes x join outcomes y on y.run_id = 2 and y.fault_id = x.fault_id
	where x.run_id = 4" | tr '|' ' ')"
tui_expect "compare view: faults that fall back in one run only" \
	"fell back in A only: $a_only faults; in B only: $b_only faults"
tui_expect_line "compare view: the column titles" "counter +reason +run A +run B +B - A +fb A +fb B"
nb=$(q "select n from cause_counts where run_id = 2 and counter = 'vma_lock_success' and reason = 'ok'")
tui_expect_line "compare view: a cause of B only" "^ vma_lock_success +ok +0 +$nb +\+$nb +0 +0"
na=$(q "select n from cause_counts where run_id = 4 and counter = 'SPF_ABORT_ODD'")
tui_expect_line "compare view: a cause of A only" "^ SPF_ABORT_ODD .* $na +0 +-$na +$na +0"
tui_keys Enter
tui_expect "compare view: Enter lists the faults of the cause" "run 2 pervma 6.15+ > vma_lock_success > faults"
tui_quit "q quits"
tui_stop

# ---- a database with one run opens on its causes ----------------------------------
tui_start 80 24 -- tui "$one"
tui_expect "one run: the causes view first" " run 1 pervma 6.15+ > causes"
tui_keys BSpace
tui_expect "one run: Backspace shows the runs list" " runs  ["
tui_quit "q quits"
tui_stop

# ---- --run N ---------------------------------------------------------------------
tui_start 80 24 -- tui --run 3 "$db"
tui_expect "--run 3: run 3's causes first" " run 3 spf v12 > causes"
tui_quit "q quits"

done_testing
