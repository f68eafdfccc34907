#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# The ppc64le traces (traces/ppc64le/, recorded by tracer/ppc64-lab/ in
# qemu's pseries POWER9 on Debian's 6.12 64K kernel, radix and hash: mmchurn,
# and two real programs, xz -T2 and make -j2 with gcc) through
# info, replay with every strategy, report and report --fidelity; and the
# --set arch/page_size/mmu what-ifs.  No root, no qemu: the traces are files.
. "$FL_TOP/tests/lib.sh"

# trace  mmu  read write exec prot faults fellback  (info, from traces/README.md)
# then the pervma 6.12 fidelity: tp fp fn tn, and why it is short of 95%
fixed() {
	cat <<'EOF'
fl-mmchurn-64k-radix radix 389 3878 10 385 4277 59 59 2 0 4216
fl-mmchurn-64k-hash hash 389 3879 10 385 4278 61 61 20 0 4197 a fault thread's madvise write-locked the VMA next to its region (the other fault thread's) 1.1 ms after it took mmap_lock (the kernel's fallbacks start there); the trace does not show vma_start_write(), the replay counts the whole window
fl-xz-64k-hash hash 99 396 43 75 538 7 7 24 0 507 one writer: the main thread's mmap of a buffer right below four a compressing thread mapped (one VMA in the model) held mmap_lock 4.8 ms; that thread's 24 faults in its first 3.4 ms took the VMA lock: the VMA write lock came later, or 6.12 kept those buffers apart; the trace shows neither vma_start_write() nor the VMA list after its start
fl-make-j2-64k-radix radix 838 827 2097 168 3762 73 73 0 0 3689
EOF
}

pct() { awk -v n="$1" -v d="$2" 'BEGIN { if (d == 0) print "n/a"; else printf "%.2f\n", 100 * n / d }'; }

while read -r t mmu rd wr ex prot faults fb tp fp fn tn why; do
	trace=$FL_TOP/traces/ppc64le/$t
	run_fl info --format json "$trace"
	if [ "$FL_RC" -ne 0 ]; then
		not_ok "$t: info" "$FL_ERR"
		continue
	fi
	printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
	j() { json_get "$FL_TMP/info.json" "$1"; }
	is "$t: arch, page size, mmu from the trace" "$(j '$.arch') $(j '$.page_size') $(j '$.mmu')" \
		"ppc64le 65536 $mmu"
	is "$t: read write exec protection (DSISR + trap)" \
		"$(j '$.faults.read') $(j '$.faults.write') $(j '$.faults.exec') $(j '$.faults.protection')" \
		"$rd $wr $ex $prot"
	is "$t: faults, kernel fallbacks" "$(j '$.events.fault') $(j '$.faults.fell_back')" "$faults $fb"
	is "$t: access bits are real" "$(j '$.supports[0].support')" "yes"
	# Every fault is a data (0x300) or instruction (0x400) storage
	# interrupt; the observed DSISRs are the three of a first read, a
	# first write, and a write after a read.
	babeltrace2 "$trace" | grep -o 'arch_code = 0x[0-9A-F]*, trap = 0x[0-9A-F]*' |
		sort | uniq -c | awk '{print $4 "/" $7}' | tr -d ',' | sort | tr '\n' ' ' >"$FL_TMP/dsisr"
	is "$t: DSISR/trap pairs seen" "$(cat "$FL_TMP/dsisr")" \
		"0x40000000/0x300 0x40000000/0x400 0x42000000/0x300 0xA000000/0x300 "
	run_fl info "$trace"
	contains() { if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "$2"; fi; }
	contains "$t: info text shows the mmu" "$FL_OUT" "^mmu: +$mmu$"

	db=$FL_TMP/$t.db
	expect_ok "$t: replay -s all" replay -s all -o "$db" "$trace"
	for s in classic pervma spf spf-mmseq; do
		contains "$t: replay -s all ran $s" "$FL_OUT" "^run [0-9]+: +$s.*: [0-9]+ of $faults faults"
	done
	expect_ok "$t: report" report "$db"
	contains "$t: report names the trace" "$FL_OUT" "traces/ppc64le/$t"

	fdb=$FL_TMP/$t-612.db
	expect_ok "$t: replay -s pervma -p 6.12" replay -s pervma -p 6.12 -o "$fdb" "$trace"
	run_fl report --fidelity --format json "$fdb"
	printf '%s\n' "$FL_OUT" >"$FL_TMP/fid.json"
	f() { json_get "$FL_TMP/fid.json" "$1"; }
	is "$t: pervma 6.12 tp fp fn tn" "$(f '$.tp') $(f '$.fp') $(f '$.fn') $(f '$.tn')" "$tp $fp $fn $tn"
	p=$(pct "$tp" $((tp + fp)))
	r=$(pct "$tp" $((tp + fn)))
	if awk -v p="$p" -v r="$r" 'BEGIN { exit !(p >= 95 && r >= 95) }'; then
		ok "$t: precision $p%, recall $r% (target 95%)"
	else
		echo "ok $((fl_n + 1)) - $t: precision $p%, recall $r% below the 95% target # TODO $why"
		fl_n=$((fl_n + 1))
	fi
done < <(fixed)

# What-ifs: the other arch's fault paths over a trace's own layout.
radix=$FL_TOP/traces/ppc64le/fl-mmchurn-64k-radix
x86=$FL_TOP/traces/x86_64/fl-mmchurn
db=$FL_TMP/whatif.db
expect_ok "ppc64 trace --set arch=x86_64" replay -s spf --set arch=x86_64 -o "$db" "$radix"
is "what-if line: x86_64 fault paths" "$(printf '%s\n' "$FL_OUT" | grep '^what-if:')" \
	"what-if:   x86_64 fault paths (page-table profile x86_64-4k) over the ppc64le trace's layout"
is "the what-if is recorded with the run" \
	"$(sqlite3 "$db" "select json_extract(knobs, '\$.arch') from runs order by run_id desc limit 1")" "x86_64"
expect_ok "x86 trace --set arch=ppc64" replay -s spf-mmseq --set arch=ppc64 -o "$db" "$x86"
is "ppc64 over x86: 64K radix by default" "$(printf '%s\n' "$FL_OUT" | grep -o 'profile [^ )]*')" \
	"profile ppc64-radix-64k"
expect_ok "x86 trace --set arch=ppc64 --set mmu=hash" replay -s spf-mmseq --set arch=ppc64 --set mmu=hash \
	-o "$db" "$x86"
is "hash 64K profile" "$(printf '%s\n' "$FL_OUT" | grep -o 'profile [^ )]*')" "profile ppc64-hash-64k"
# At 64 KiB pages, a fault whose 64 KiB page an earlier fault mapped for
# the same access does not happen: mmchurn touches every 4 KiB page.
expect_ok "x86 trace as ppc64, pervma" replay -s pervma --set arch=ppc64 -o "$db" "$x86"
contains() { if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "$2"; fi; }
contains "fewer fallbacks at 64K (30 at 4K)" "$FL_OUT" "pervma 6.15\+: 8 of 14692 faults fell back"
is "faults a 64K page absorbs" \
	"$(sqlite3 "$db" "select count(*) from outcomes where run_id = (select max(run_id) from runs)
		and reason = 'no fault at 64 KiB pages: its page was mapped' and fell_back = 0")" "11452"
expect_ok "ppc64 trace --set page_size=4096" replay -s pervma --set page_size=4096 -o "$db" "$radix"
is "4K radix profile" "$(printf '%s\n' "$FL_OUT" | grep -o 'profile [^ )]*')" "profile ppc64-radix-4k"
is "page_size recorded" \
	"$(sqlite3 "$db" "select json_extract(knobs, '\$.page_size') from runs order by run_id desc limit 1")" "4096"
# Without --set nothing is added to a run's knobs (x86 rows unchanged).
expect_ok "x86 trace, no what-if" replay -s pervma -o "$db" "$x86"
is "no what-if keys in the knobs" \
	"$(sqlite3 "$db" "select knobs from runs order by run_id desc limit 1")" '{"vma_lock_delay":0}'
expect_fail "--set arch=sparc refused" 2 "x86_64 or ppc64" replay --set arch=sparc -o "$db" "$x86"
expect_fail "--set page_size=8192 refused" 2 "4096 or 65536" replay --set page_size=8192 -o "$db" "$x86"
expect_fail "x86_64 with 64K pages refused" 2 "x86_64 has 4 KiB pages" \
	replay --set arch=x86_64 --set page_size=65536 -o "$db" "$radix"
expect_fail "--set mmu=tlb refused" 2 "radix or hash" replay --set mmu=tlb -o "$db" "$radix"
# Whether an anonymous read maps the zero page: the bundled traces predate
# the recorders' probe, so the replay takes mainline's rule; --set says.
expect_ok "x86 trace --set zero_page=0" replay -s pervma --set zero_page=0 -o "$db" "$x86"
is "zero_page recorded" \
	"$(sqlite3 "$db" "select json_extract(knobs, '\$.zero_page') from runs order by run_id desc limit 1")" "0"
expect_fail "--set zero_page=2 refused" 2 "1 or 0" replay --set zero_page=2 -o "$db" "$x86"
# The THP mode likewise (always, as mainline's default, when unsaid).
expect_ok "x86 trace --set thp=madvise" replay -s spf --set thp=madvise -o "$db" "$x86"
is "thp recorded" \
	"$(sqlite3 "$db" "select json_extract(knobs, '\$.thp') from runs order by run_id desc limit 1")" "madvise"
expect_fail "--set thp=sometimes refused" 2 "always, madvise or never" replay --set thp=sometimes \
	-o "$db" "$x86"

done_testing
