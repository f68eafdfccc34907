#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# The mlock family as mm calls: `tests/workloads/mlockwalk -c mlock`
# mlock()s and munlock()s 32-page pieces of a region while a thread pinned
# to another CPU faults on it.  mlock_fixup() splits the region's VMA and
# write-locks it under mmap_lock held for write, and munlock() merges it
# back, so faults on the region during those holds fall back.  Both
# recorders trace the calls; the replay must apply them (no write hold of
# the workload left without a call, none of its faults inside one) and
# pervma must predict the kernel's fallbacks during them.  Which faults
# land inside a hold is the scheduler's choice: a recording with no kernel
# fallback inside one is made again, up to three times, and the check of
# the prediction then says it skips.  `mlockwalk -c pkey` does the same
# with pkey_mprotect() (key -1: no protection-key hardware needed), which
# both recorders trace too.  Needs root, tracefs and two CPUs.
. "$FL_TOP/tests/lib.sh"

mw=$FL_BUILD/tests/workloads/mlockwalk
checks=()
for r in faultline perf; do
	checks+=("$r: recorded" "$r: every mlock() and munlock() is a traced writer"
		 "$r: info counts them" "$r: no fault inside a write hold with no call"
		 "$r: pervma predicts the kernel's fallbacks during them"
		 "$r: pkey_mprotect(): every call a traced writer"
		 "$r: pkey_mprotect(): no fault inside a write hold with no call")
done
need_recording root lttng perf tracefs -- "${checks[@]}"
[ "$(nproc)" -ge 2 ] || skip_all "one CPU: no fault can fall inside a short hold" "${checks[@]}"

# The faults made inside the workload's mlock()/munlock() holds.
in_holds="FROM faults f JOIN outcomes o USING (fault_id) WHERE o.run_id = 1 AND EXISTS (
	SELECT 1 FROM writers w WHERE w.call IN ('mlock', 'munlock') AND w.pid = f.pid
	AND f.t >= w.t_lock_acquired AND f.t < w.t_lock_released)"

for r in faultline perf; do
	t=$FL_TMP/$r
	record_until_fallback $r "$t" "$in_holds" "$mw" -c mlock
	is "$r: recorded" "$rec" 0

	# 2000 rounds of mlock() then munlock(), each a write hold with its call.
	calls=$(sqlite3 "$t.db" "SELECT group_concat(call || '=' || n, ' ') FROM (SELECT call,
		count(*) n FROM writers WHERE call IN ('mlock', 'munlock') GROUP BY call ORDER BY call)")
	is "$r: every mlock() and munlock() is a traced writer" "$calls" "mlock=2000 munlock=2000"
	"$FAULTLINE" info "$t" >"$FL_TMP/info" 2>&1
	grep -q "mlock 2000, munlock 2000" "$FL_TMP/info" &&
		ok "$r: info counts them" ||
		not_ok "$r: info counts them" "$(grep -A1 mm_call "$FL_TMP/info")"
	grep -q "^untraced:" "$FL_TMP/out" &&
		not_ok "$r: no fault inside a write hold with no call" "$(grep untraced "$FL_TMP/out")" ||
		ok "$r: no fault inside a write hold with no call"

	# Untraced, the replay predicted almost none of them (0-1 of thousands);
	# traced, it predicts most: ask for at least half.
	tp=$(sqlite3 "$t.db" "SELECT count(*) $in_holds AND f.gt = 'fallback' AND o.fell_back")
	if [ "${fb:-0}" -gt 0 ] && [ $((2 * tp)) -ge "$fb" ]; then
		ok "$r: pervma predicts the kernel's fallbacks during them"
	elif [ "${fb:-0}" -eq 0 ]; then
		skip "$r: pervma predicts the kernel's fallbacks during them" \
			"the kernel fell back during none of the holds in 3 recordings"
	else
		not_ok "$r: pervma predicts the kernel's fallbacks during them" \
			"$tp of the kernel's $fb fallbacks during the holds predicted
$(sed -n '/^fidelity/,/recall/p' <("$FAULTLINE" report --fidelity "$t.db"))"
	fi
done

# pkey_mprotect(): 300 rounds of two calls.
for r in faultline perf; do
	t=$FL_TMP/pkey-$r
	record_with $r "$t" "$mw" -c pkey -n 300
	run_fl replay -s pervma -o "$t.db" "$t"
	n=$(sqlite3 "$t.db" "SELECT count(*) FROM writers WHERE call = 'pkey_mprotect'" 2>&1)
	is "$r: pkey_mprotect(): every call a traced writer" "$n" 600
	grep -q "^untraced:" "$FL_TMP/out" &&
		not_ok "$r: pkey_mprotect(): no fault inside a write hold with no call" \
			"$(grep untraced "$FL_TMP/out")" ||
		ok "$r: pkey_mprotect(): no fault inside a write hold with no call"
done

done_testing
