#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# A short run of the ppc64le lab (tracer/ppc64-lab/lab.sh --smoke): boot
# Debian's 6.12 64K kernel in qemu-system-ppc64, record a small pagetouch
# with the cross-built `faultline record`, bring the trace out, read it back.
#
# Skipped, with the reason, when the lab's host packages are absent (the
# lab installs them itself when run by hand), and in CI unless
# FL_LAB_SMOKE=1: the first run downloads about 170 MB of ppc64el packages
# into FL_LAB_DIR (default /var/tmp/faultline-ppc64-lab); later runs take
# about 20 s.
. "$FL_TOP/tests/lib.sh"

checks=("lab --smoke brings a trace out" "the trace is ppc64le, 64K, radix" "its faults carry DSISR"
	"replay -s all on it" "report --fidelity on it")
skip_all() { for c in "${checks[@]}"; do skip "$c" "$1"; done; done_testing; exit 0; }

if [ -n "${CI:-}" ] && [ "${FL_LAB_SMOKE:-}" != 1 ]; then
	skip_all "slow (qemu TCG, ~170 MB of downloads): not in CI; FL_LAB_SMOKE=1 runs it"
fi
[ "${FL_LAB_SMOKE:-}" = 0 ] && skip_all "FL_LAB_SMOKE=0"

out=$FL_TMP/lab
"$FL_TOP/tracer/ppc64-lab/lab.sh" --smoke --no-install -o "$out" >"$FL_TMP/lab.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
	skip_all "$(grep -o 'host packages missing:.*' "$FL_TMP/lab.log" | head -1)"
fi
trace=$out/smoke-64k-radix
if [ "$rc" -ne 0 ] || [ ! -f "$trace/metadata" ]; then
	not_ok "${checks[0]}" "lab.sh exited $rc" "$(tail -20 "$FL_TMP/lab.log")"
	done_testing
	exit
fi
ok "${checks[0]} ($(grep -o 'done in [0-9]* s' "$FL_TMP/lab.log"))"

run_fl info --format json "$trace"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
j() { json_get "$FL_TMP/info.json" "$1"; }
is "${checks[1]}" "$(j '$.arch') $(j '$.page_size') $(j '$.mmu')" "ppc64le 65536 radix"
# pagetouch -t 2 -r 1 -p 16 writes 32 pages: at least 32 write faults.
if [ "$(j '$.supports[0].support')" = yes ] && [ "$(j '$.faults.write')" -ge 32 ]; then
	ok "${checks[2]}"
else
	not_ok "${checks[2]}" "$FL_OUT"
fi
expect_ok "${checks[3]}" replay -s all -o "$FL_TMP/smoke.db" "$trace"
expect_ok "${checks[4]}" report --fidelity "$FL_TMP/smoke.db"

done_testing
