#!/bin/bash
# faultline-test: serial (boots a qemu guest: both cores for a while)
# `tracer/ppc64-lab/lab.sh -- CMD` runs a Debian ppc64el program that the
# base guest does not have: it downloads xz-utils (and dash) for ppc64el
# into the lab's WORKDIR, copies an input file in, records `xz -T2` with
# `faultline record` at 64K radix, and brings the trace out; the host reads
# it back and replays it.
#
# Skipped, with the reason, when the lab's host packages are absent (the lab
# installs them when run by hand) or deb.debian.org cannot be reached, and
# in CI unless FL_LAB_SMOKE=1 (as t0710).  About 40 s once the lab's
# WORKDIR (FL_LAB_DIR, default /var/tmp/faultline-ppc64-lab) is filled.
. "$FL_TOP/tests/lib.sh"

checks=("lab -- CMD brings a trace out" "the command ran with the package's xz, not busybox's"
	"the trace holds the command's process: xz with its 2 compressing threads"
	"the trace is ppc64le, 64K, radix" "replay -s pervma -p 6.12 on it" "report --fidelity on it")
skip_all() { for c in "${checks[@]}"; do skip "$c" "$1"; done; done_testing; exit 0; }

if [ -n "${CI:-}" ] && [ "${FL_LAB_SMOKE:-}" != 1 ]; then
	skip_all "slow (qemu TCG, ~170 MB of downloads): not in CI; FL_LAB_SMOKE=1 runs it"
fi
[ "${FL_LAB_SMOKE:-}" = 0 ] && skip_all "FL_LAB_SMOKE=0"

# 4 MiB of text: more than one 3 MiB block of xz -1, so -T2 uses two threads.
seq -f 'line %g of the input of the ppc64 lab test' 1 100000 >"$FL_TMP/in.txt"
out=$FL_TMP/lab
(cd "$FL_TMP" && "$FL_TOP/tracer/ppc64-lab/lab.sh" --no-install -o "$out" -n xzt -i "$FL_TMP/in.txt" \
	-- 'xz -T2 -1 -k /work/in.txt && xz --robot -l /work/in.txt.xz') >"$FL_TMP/lab.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
	skip_all "$(grep -o 'SKIP: .*' "$FL_TMP/lab.log" | head -1 | sed 's/^SKIP: //')"
fi
trace=$out/xzt-64k-radix
if [ "$rc" -ne 0 ] || [ ! -f "$trace/metadata" ]; then
	not_ok "${checks[0]}" "lab.sh exited $rc" "$(tail -20 "$FL_TMP/lab.log")"
	done_testing
	exit
fi
ok "${checks[0]} ($(grep -o 'done in [0-9]* s' "$FL_TMP/lab.log"))"
# xz-utils' --robot list prints a "file" line; busybox's xz has no -T nor -l.
if grep -q '^file	' "$out/xzt-64k-radix.record.log"; then
	ok "${checks[1]}"
else
	not_ok "${checks[1]}" "$(head -20 "$out/xzt-64k-radix.record.log")"
fi

run_fl info --format json "$trace"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
xz_threads=$(sqlite3 :memory: "select count(*) from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.threads'))
	where json_extract(value, '\$.comm') = 'xz' and json_extract(value, '\$.faults') > 0;")
if [ "${xz_threads:-0}" -ge 3 ]; then
	ok "${checks[2]}"
else
	not_ok "${checks[2]}" "threads of comm xz with faults: ${xz_threads:-none}" "$FL_OUT"
fi
is "${checks[3]}" "$(json_get "$FL_TMP/info.json" '$.arch') $(json_get "$FL_TMP/info.json" '$.page_size') $(json_get "$FL_TMP/info.json" '$.mmu')" \
	"ppc64le 65536 radix"
expect_ok "${checks[4]}" replay -s pervma -p 6.12 -o "$FL_TMP/xzt.db" "$trace"
expect_ok "${checks[5]}" report --fidelity "$FL_TMP/xzt.db"

done_testing
