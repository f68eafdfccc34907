#!/bin/bash
# A valid database with extreme values (INT64_MIN/MAX times, latencies,
# lock waits, addresses; a trace span of the whole int64 range, an empty
# span, runs of 0 faults): every report view, --fidelity, --html, diff and
# export answer or fail with a message, never with undefined behaviour
# (`make asan` runs this under UBSan, where any report fails it).
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
q() { sqlite3 "$1" "$2" 2>&1; }
max=9223372036854775807
min=-9223372036854775808

db=$FL_TMP/x.db
expect_ok "a database of two runs" replay -s all "$mmchurn" -o "$db"
q "$db" "
	UPDATE traces SET t_first = $min, t_last = $max;
	UPDATE faults SET t = $max, t_end = $min, address = $min, ip = $max WHERE fault_id % 3 = 0;
	UPDATE faults SET t = $min, gt_lock_wait = $max WHERE fault_id % 3 = 1;
	UPDATE outcomes SET latency = $max, lock_wait = $max, vma_start = $min, vma_end = $max
		WHERE fault_id % 2 = 0;
	UPDATE outcomes SET latency = $min, lock_wait = $min WHERE fault_id % 5 = 1;
	UPDATE writers SET t_enter = $min, t_exit = $max, t_lock_start = $min,
		t_lock_acquired = $max, t_lock_released = $min;
	UPDATE thread_times SET blocked_traced = $max, blocked_pred = $min, wasted = $max,
		run_traced = $min, run_pred = $max;
	UPDATE cause_counts SET n = $max WHERE rowid % 2 = 0;
	UPDATE runs SET faults = $max, fallbacks = $min, wall_ms = $max WHERE run_id = 2;
	INSERT INTO runs (trace_id, strategy, profile, knobs, seed, tool_version, created_at, wall_ms,
		cost_table, faults, fallbacks, unplaced)
		VALUES (1, 'pervma', '6.15+', '{}', $max, 'x', 'x', 0, '{}', 0, 0, 0);
	-- The views read the outcomes changed above, not the replay's tallies.
	DROP TABLE tally_threads; DROP TABLE tally_vmas; DROP TABLE tally_handlers;
	DROP TABLE tally_times;
" >/dev/null
empty=$FL_TMP/empty-span.db
cp "$db" "$empty"
q "$empty" "UPDATE traces SET t_first = $max, t_last = $max" >/dev/null
# No cause_counts at all, and no thread_times: views of nothing.
none=$FL_TMP/no-tallies.db
cp "$db" "$none"
q "$none" "DELETE FROM cause_counts; DELETE FROM thread_times" >/dev/null

bad=""
for d in "$db" "$empty" "$none"; do
	for args in "report" "report --by cause" "report --by reason" "report --by vma" \
		"report --by thread" "report --by writer" "report --by time" "report --by handler" \
		"report --format json" "report --format csv" "report --by time --format json" \
		"report --fidelity" "report --fidelity --run 1" "report --html $FL_TMP/x.html" \
		"diff @ 1 2" "diff @ 1 3" "diff --by thread @ 1 2" "export --table outcomes" \
		"export --table traces --format json"; do
		# shellcheck disable=SC2086
		case $args in *@*) run_fl ${args/@/$d} ;; *) run_fl $args "$d" ;; esac
		if printf '%s\n' "$FL_ERR" | grep -Eq 'runtime error|AddressSanitizer|Segmentation'; then
			bad="$bad $(basename "$d") $args: $(printf '%s\n' "$FL_ERR" | grep -E 'runtime error|ERROR' | head -1);"
		elif [ "$FL_RC" != 0 ] && ! printf '%s\n' "$FL_ERR" | grep -q '^faultline: '; then
			bad="$bad $(basename "$d") $args: exit $FL_RC without a message;"
		fi
	done
done
is "every view on extreme values: an answer or a message, no undefined behaviour" "$bad" ""

done_testing
