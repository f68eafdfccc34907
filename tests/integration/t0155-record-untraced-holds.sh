#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# Write holds of mmap_lock with no call the recorders trace:
# `tests/workloads/mlockwalk -c mbind` binds pieces of a region to node 0
# with mbind() and gives them back the default policy with another, while
# a thread pinned to another CPU faults on it.  Each mbind() splits or
# merges the region's VMA under mmap_lock held for write (mbind_range() ->
# vma_modify_policy()), so the faults that come during it fall back, but
# the trace names no call (neither recorder traces mbind(); they do trace
# mlock() and munlock(), t0157), and no run can know which VMAs it locked.  Recorded with both recorders, the replay must say
# how many faults came during such holds (stdout and a warning on stderr)
# and report --fidelity how many of the kernel's fallbacks did.  Needs root,
# tracefs, two CPUs (on one, no fault falls inside a short hold) and a
# kernel with CONFIG_NUMA (mbind()); every check says why when it skips.
. "$FL_TOP/tests/lib.sh"

mw=$FL_BUILD/tests/workloads/mlockwalk
checks=()
for r in faultline perf; do
	checks+=("$r: recorded" "$r: the trace has write holds with no call"
		 "$r: replay counts the faults inside them" "$r: replay warns on stderr"
		 "$r: --fidelity counts the kernel's fallbacks inside them")
done
need_recording root lttng perf tracefs -- "${checks[@]}"
[ "$(nproc)" -ge 2 ] || skip_all "one CPU: no fault can fall inside a short hold" "${checks[@]}"
[ -d /sys/devices/system/node ] || skip_all "a kernel without CONFIG_NUMA has no mbind()" "${checks[@]}"

# The faults made inside a write hold with no call.  A recording with no
# kernel fallback among them is made again (record_until_fallback); after
# three, the count is only checked to agree, and the check says so.
in_holds="FROM faults f WHERE EXISTS (SELECT 1 FROM writers w WHERE w.call = 'untraced'
	AND w.pid = f.pid AND f.t >= w.t_lock_acquired AND f.t < w.t_lock_released)"

for r in faultline perf; do
	t=$FL_TMP/$r
	record_until_fallback $r "$t" "$in_holds" "$mw" -c mbind
	is "$r: recorded" "$rec" 0
	n=$(sqlite3 "$t.db" "SELECT count(*) FROM writers WHERE call = 'untraced'")
	# 2000 rounds of two mbind() calls (MPOL_BIND, then MPOL_DEFAULT): each
	# takes mmap_lock for write.
	if [ "${n:-0}" -ge 2000 ]; then ok "$r: the trace has write holds with no call"
	else not_ok "$r: the trace has write holds with no call" "$n untraced writers"; fi

	# The faults of the trace made inside such a hold, as the store has
	# them: the replay's count must be the same.
	want=$(sqlite3 "$t.db" "SELECT count(*) $in_holds")
	got=$(sed -n 's/^untraced: *\([0-9]*\) faults during write holds.*/\1/p' "$FL_TMP/out")
	if [ "${want:-0}" -gt 0 ] && [ "$got" = "$want" ]; then
		ok "$r: replay counts the faults inside them"
	else
		not_ok "$r: replay counts the faults inside them" "replay said '$got', the store has $want"
	fi
	grep -q "faults came while their mm was held for write outside any mm call" "$FL_TMP/err" &&
		ok "$r: replay warns on stderr" ||
		not_ok "$r: replay warns on stderr" "$(head -n 5 "$FL_TMP/err")"

	js=$("$FAULTLINE" report --fidelity --format json "$t.db" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["fallbacks_in_untraced_holds"])')
	"$FAULTLINE" report --fidelity "$t.db" >"$FL_TMP/fid.txt"
	if [ "${fb:-0}" -gt 0 ] && [ "$js" = "$fb" ] &&
	   grep -q "^  untraced: *$fb of the kernel's fallbacks" "$FL_TMP/fid.txt"; then
		ok "$r: --fidelity counts the kernel's fallbacks inside them"
	elif [ "${fb:-0}" -eq 0 ] && [ "$js" = 0 ] && ! grep -q "^  untraced:" "$FL_TMP/fid.txt"; then
		skip "$r: --fidelity counts the kernel's fallbacks inside them" \
			"the kernel fell back during none of the holds in 3 recordings (the count agrees: 0)"
	else
		not_ok "$r: --fidelity counts the kernel's fallbacks inside them" \
			"json '$js', store $fb; $(grep untraced "$FL_TMP/fid.txt")
the faults inside the holds, by the kernel's answer: $(sqlite3 "$t.db" "SELECT gt, count(*) $in_holds GROUP BY gt")
losses: $(sqlite3 "$t.db" "SELECT lost_events FROM traces")"
	fi
done

done_testing
