#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record captures readahead started inside the recorded thread's
# file faults (readahead:page_cache_sync_ra, _async_ra), where the kernel
# has those tracepoints: tests/workloads/mapread maps a file it has just
# dropped from the page cache, MADV_SEQUENTIAL, and reads it in order.
# Needs root, tracefs, and a file system that reads ahead (not tmpfs);
# without them every check is reported as skipped, with the reason.
. "$FL_TOP/tests/lib.sh"

mr=$FL_BUILD/tests/workloads/mapread
checks=(
	"record exits 0" "recorder reports 0 lost" "header names the readahead sources"
	"readahead: a sync readahead at the file's first page, inside a fault"
	"readahead: async readahead further on"
	"readahead: every one is the reading thread's"
	"readahead: the reading thread's switches are there too"
	"info: the readahead line counts what the trace holds"
	"info: page-cache waits supported"
	"replay: pervma reads the readahead as the retry's reason"
)
need_recording root lttng tracefs -- "${checks[@]}"
tfs=/sys/kernel/tracing
if [ ! -d $tfs/events/readahead/page_cache_sync_ra ] || [ ! -d $tfs/events/readahead/page_cache_async_ra ]; then
	skip_all "kernel $(uname -r) has no readahead:page_cache_{sync,async}_ra tracepoints (recent kernels only)" \
		"${checks[@]}"
fi
# A file system with a page cache that reads ahead: not tmpfs.
dir=""
for d in "$FL_TMP" /var/tmp "$FL_BUILD"; do
	case $(stat -f -c %T "$d" 2>/dev/null) in
	tmpfs | ramfs | "") ;;
	*) dir=$d; break ;;
	esac
done
[ -n "$dir" ] ||
	skip_all "no directory off tmpfs to read a file from ($FL_TMP, /var/tmp, $FL_BUILD)" "${checks[@]}"
file=$(mktemp "$dir/fl-mapread.XXXXXX")
trap 'rm -rf "$FL_TMP" "$file"' EXIT

# Three readahead windows of the file's device (read_ahead_kb, from its
# backing device; 8 MiB when unknown), so that the reads hit PG_readahead
# markers: 4 to 64 MiB.
ra_kb=$(cat "/sys/class/bdi/$(stat -c '%Hd:%Ld' "$file")/read_ahead_kb" 2>/dev/null || echo 8192)
bytes=$((3 * ra_kb * 1024))
[ "$bytes" -ge $((4 << 20)) ] || bytes=$((4 << 20))
[ "$bytes" -le $((64 << 20)) ] || bytes=$((64 << 20))
pages=$((bytes / $(getconf PAGESIZE)))

t=$FL_TMP/trace
"$FAULTLINE" record -o "$t" -- "$mr" -s -p "$pages" "$file" >"$FL_TMP/rec.out" 2>"$FL_TMP/rec.err"
is "record exits 0" "$?" 0
if grep -q 'lost: 0 perf records, 0 LTTng events discarded, 0 LTTng packets lost' "$FL_TMP/rec.err"; then
	ok "recorder reports 0 lost"
else
	not_ok "recorder reports 0 lost" "$(cat "$FL_TMP/rec.err")"
fi
line=$(grep '^mapread: ' "$FL_TMP/rec.err")
tid=$(printf '%s\n' "$line" | sed -n 's/.* tid=\([0-9]*\) .*/\1/p')
ino=$(printf '%s\n' "$line" | sed -n 's/.* ino=\([0-9]*\) .*/\1/p')

babeltrace2 "$t" >"$FL_TMP/bt.txt" 2>"$FL_TMP/bt.err"
if grep -q 'faultline:header: .*sources = ".*readahead:page_cache_sync_ra,readahead:page_cache_async_ra' "$FL_TMP/bt.txt"; then
	ok "header names the readahead sources"
else
	not_ok "header names the readahead sources" "$(grep header "$FL_TMP/bt.txt" | head -n 2)"
fi
# The reading thread's events, one line each: kind tid + the fields used.
awk '
function get(k,   s) {
	if (!match($0, " " k " = [^,}]*")) return ""
	s = substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 4)
	gsub(/ /, "", s)
	return tolower(s)
}
$4 == "faultline:fault:" { print "fault", get("tid") }
$4 == "faultline:fault_end:" { print "fault_end", get("tid") }
$4 == "faultline:sched_switch:" { print "switch", get("tid") }
$4 == "faultline:readahead:" { print "readahead", get("tid"), get("async"), get("ino"), get("index") }
' "$FL_TMP/bt.txt" >"$FL_TMP/ev"
# The first page's fault misses the page cache and starts synchronous
# readahead from index 0, before that fault ends.
if awk -v tid="$tid" -v ino="$ino" '
	$2 != tid { next }
	$1 == "fault" || $1 == "fault_end" { last = $1 }
	$1 == "readahead" && $3 == 0 && $4 == ino && $5 == 0 && last == "fault" { f = 1 }
	END { exit !f }' "$FL_TMP/ev"; then
	ok "readahead: a sync readahead at the file's first page, inside a fault"
else
	not_ok "readahead: a sync readahead at the file's first page, inside a fault" \
		"tid=$tid ino=$ino" "$(grep readahead "$FL_TMP/ev" | head -n 5)"
fi
if awk -v tid="$tid" -v ino="$ino" '$1 == "readahead" && $2 == tid && $3 == 1 && $4 == ino && $5 > 0 { f = 1 } END { exit !f }' "$FL_TMP/ev"; then
	ok "readahead: async readahead further on"
else
	not_ok "readahead: async readahead further on" "$pages pages, read_ahead_kb $ra_kb" \
		"$(grep readahead "$FL_TMP/ev" | head -n 5)"
fi
# (Some may be on other files: the program's own binary and libraries.)
is "readahead: every one is the reading thread's" \
	"$(awk -v tid="$tid" '$1 == "readahead" && $2 != tid' "$FL_TMP/ev" | head -n 3)" ""
n=$(awk -v tid="$tid" '$1 == "switch" && $2 == tid' "$FL_TMP/ev" | wc -l)
if [ "$n" -gt 0 ]; then ok "readahead: the reading thread's switches are there too"; else
	not_ok "readahead: the reading thread's switches are there too" "no sched_switch of tid $tid"; fi

run_fl info --format json "$t"
printf '%s\n' "$FL_OUT" >"$FL_TMP/info.json"
nsync=$(awk '$1 == "readahead" && $3 == 0' "$FL_TMP/ev" | wc -l)
nasync=$(awk '$1 == "readahead" && $3 == 1' "$FL_TMP/ev" | wc -l)
got=$("$FAULTLINE" info "$t" | sed -n 's/^  readahead  *\([0-9]*\)  (sync \([0-9]*\), async \([0-9]*\))$/\1 \2 \3/p')
is "info: the readahead line counts what the trace holds" "$got $(json_get "$FL_TMP/info.json" '$.events.readahead')" \
	"$((nsync + nasync)) $nsync $nasync $((nsync + nasync))"
is "info: page-cache waits supported" \
	"$(sqlite3 :memory: "select json_extract(value, '\$.support') from json_each(json_extract(readfile('$FL_TMP/info.json'), '\$.supports')) where json_extract(value, '\$.what') = 'page-cache waits';")" yes

# The point of recording it: a file fault that started readahead dropped
# its VMA lock for the IO and was retried under mmap_lock.
run_fl replay -s pervma -o "$FL_TMP/r.db" "$t"
n=$(sqlite3 "$FL_TMP/r.db" "select count(*) from outcomes where reason = 'readahead';" 2>&1)
if [ "$FL_RC" -eq 0 ] && [ "${n:-0}" -gt 0 ] 2>/dev/null; then
	ok "replay: pervma reads the readahead as the retry's reason"
else
	not_ok "replay: pervma reads the readahead as the retry's reason" "exit $FL_RC: $FL_ERR" "$n"
fi

done_testing
