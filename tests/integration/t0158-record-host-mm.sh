#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# Whether the kernel maps the shared zero page on a read fault in private
# anonymous memory decides whether that read needs the VMA's anon_vma
# (replay/README-mm.md).  Both recorders probe it, from smaps' Rss
# (tracer/zero_page.c, the perl probe of scripts/capture-perf-trace), and
# `faultline info` reads it back.  The test asks the kernel another way:
# two read pages share one PFN in /proc/self/pagemap only when both are
# the zero page (PFNs need root, as recording does).  Then threads that
# read fresh memory, each mapping and unmapping its own, are replayed:
# with the probed rule, no read fault the kernel ran under the anon_vma
# trylock is one the replay thought needed none.  The recorders also give
# the kernel's THP mode for anonymous PMD-size pages (tracer/thp_mode.c),
# checked against sysfs as the kernel documents it
# (admin-guide/mm/transhuge.rst: a size's own setting, unless "inherit").
. "$FL_TOP/tests/lib.sh"

checks=()
for r in faultline perf; do
	checks+=("$r: recorded" "$r: info says what pagemap says" "$r: info gives the THP mode"
		 "$r: reads took the anon_vma trylock only without the zero page"
		 "$r: the reads that took the anon_vma trylock were predicted to")
done
need_recording root lttng perf tracefs -- "${checks[@]}"
command -v perl >/dev/null || skip_all "no perl for the pagemap probe" "${checks[@]}"

# 1: the zero page; 0: a page each; empty: cannot tell.
kernel=$(perl -e '
	my ($arch) = (`uname -m` =~ /(\S+)/);
	my %mmap = (x86_64 => 9, ppc64le => 90, ppc64 => 90);
	exit 0 unless $mmap{$arch};
	my $pg = `getconf PAGESIZE` + 0;
	my $m = syscall($mmap{$arch}, 0, 2 * $pg, 1, 0x22, -1, 0);
	exit 0 if $m == -1;
	unpack("C", unpack("P1", pack("J", $m + $pg * $_))) for 0 .. 1;
	open(my $f, "<:raw", "/proc/self/pagemap") or exit 0;
	my @pfn;
	for (0 .. 1) {
		sysseek($f, 8 * int(($m + $pg * $_) / $pg), 0) or exit 0;
		sysread($f, my $e, 8) == 8 or exit 0;
		my $v = unpack("Q", $e);
		exit 0 unless $v >> 63;
		push @pfn, $v & ((1 << 55) - 1);
	}
	exit 0 unless $pfn[0];
	print $pfn[0] == $pfn[1] ? 1 : 0;')

# The THP mode: hugepages-<PMD size>kB/enabled, the global one if it
# inherits.
thp_dir=/sys/kernel/mm/transparent_hugepage
sel() { tr ' ' '\n' <"$1" | sed -n 's/^\[\(.*\)\]$/\1/p'; }
thp=
if [ -r "$thp_dir/enabled" ]; then
	pmd_kb=$(( $(cat "$thp_dir/hpage_pmd_size") / 1024 ))
	[ -r "$thp_dir/hugepages-${pmd_kb}kB/enabled" ] && thp=$(sel "$thp_dir/hugepages-${pmd_kb}kB/enabled")
	[ -z "$thp" ] || [ "$thp" = inherit ] && thp=$(sel "$thp_dir/enabled")
fi

# pagetouch -F: four threads read every page of fresh mappings, then write
# them, and mprotect, madvise and unmap them: their first faults are reads.
rd=$FL_BUILD/tests/workloads/pagetouch
for r in faultline perf; do
	t=$FL_TMP/$r
	record_with $r "$t" "$rd" -t 4 -r 20 -p 64 -F
	is "$r: recorded" "$?" 0
	"$FAULTLINE" info --format json "$t" >"$FL_TMP/info.json" 2>"$FL_TMP/info.err"
	got=$(sed -n 's/.*"zero_page": *\(true\|false\).*/\1/p' "$FL_TMP/info.json")
	case $kernel in
	1) want=true ;;
	0) want=false ;;
	*) want= ;;
	esac
	if [ -z "$want" ]; then
		skip "$r: info says what pagemap says" "pagemap gave no PFNs"
	else
		is "$r: info says what pagemap says" "$got" "$want"
	fi
	got_thp=$(sed -n 's/.*"thp": *"\([a-z]*\)".*/\1/p' "$FL_TMP/info.json")
	if [ -z "$thp" ]; then
		skip "$r: info gives the THP mode" "no THP in this kernel"
	else
		is "$r: info gives the THP mode" "$got_thp" "$thp"
	fi
	run_fl replay -s pervma -o "$t.db" "$t"
	# The kernel's own answer: a read of fresh anonymous memory prepares
	# the anon_vma (its mmap_read_trylock() is in the trace) only when the
	# kernel does not map the zero page.  In VMAs under 2 MiB: a read
	# where a huge page may go prepares it whatever the zero page
	# (do_huge_pmd_anonymous_page()).
	reads=$(sqlite3 "$t.db" "SELECT count(*) FROM faults f JOIN outcomes o USING (fault_id)
		WHERE o.run_id = 1 AND f.tid <> f.pid AND f.access = 'read' AND o.vma_kind = 'anon'
		AND o.vma_end - o.vma_start < 2097152
		AND f.gt_detail IN ('anon_vma trylock', 'anon_vma retry')")
	if { [ "$got" = false ] && [ "${reads:-0}" -gt 0 ]; } ||
		{ [ "$got" = true ] && [ "${reads:-1}" -eq 0 ]; }; then
		ok "$r: reads took the anon_vma trylock only without the zero page"
	else
		not_ok "$r: reads took the anon_vma trylock only without the zero page" \
			"zero page: '$got'; reads with the trylock: $reads"
	fi
	# A read fault on anonymous memory whose kernel answer shows the
	# anon_vma trylock must not be one the replay saw handled under the
	# VMA lock with no anon_vma to prepare (plain "ok").  One it saw
	# abort on a writer (the reads race the other threads' mm calls)
	# says nothing of the dispatch.  The workers' reads (tid != pid): an
	# ASan build's LeakSanitizer reads at exit from a clone() of its own.
	miss=$(sqlite3 "$t.db" "SELECT count(*) FROM faults f JOIN outcomes o USING (fault_id)
		WHERE o.run_id = 1 AND f.tid <> f.pid AND f.access = 'read'
		AND f.gt_detail IN ('anon_vma trylock',
		'anon_vma retry') AND o.vma_kind = 'anon' AND o.counter = 'vma_lock_success'
		AND o.reason NOT LIKE '%anon_vma%'")
	is "$r: the reads that took the anon_vma trylock were predicted to" "$miss" 0
done

done_testing
