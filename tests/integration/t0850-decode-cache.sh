#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# replay --decode-cache DIR: the first replay of a trace keeps its decoded
# records in DIR, the next reads them from there without decoding; both
# give the outcomes of a replay without the cache.  A changed trace is a
# new key; a damaged entry is removed with a warning and the trace decoded
# again; a lossy trace keeps its losses; a cache that cannot be written is
# a warning, not a failure.
. "$FL_TOP/tests/lib.sh"

d=$FL_TMP
cd "$d" || exit 1
cp -a "$FL_TOP/traces/x86_64/mmchurn" orig
cp -a orig tr
q() { sqlite3 "$1" "$2"; }
rows() { q "$1" 'select * from outcomes order by run_id, fault_id' | md5sum; }
report() { "$FAULTLINE" report --format csv "$1" 2>&1; }
streams() { find "$1" -type f ! -name metadata | sort; }
entries() { find "$1" -maxdepth 1 -name '*.fld' 2>/dev/null | wc -l; }

expect_ok "replay without the cache" replay -s all -o plain.db tr
expect_ok "replay with an empty cache" replay -s all --decode-cache cache -o c1.db tr
is "keeps one entry" "$(entries cache)" 1
is "and no temporary file" "$(find cache -name '.*' -type f | wc -l)" 0
is "the same outcome rows" "$(rows c1.db)" "$(rows plain.db)"
is "the same report" "$(report c1.db)" "$(report plain.db)"
is "the same summary" "$(sed 's/c1\.db/DB/g' <<<"$FL_OUT")" \
	"$("$FAULTLINE" replay -s all -o plain2.db tr 2>/dev/null | sed 's/plain2\.db/DB/g')"

# The stream files rewritten in place with zeros, their size and mtime put
# back: the key is the same, and a decoder would refuse them, so a replay
# that succeeds read the cache and started no decoder.
for f in $(streams tr); do
	dd if=/dev/zero of="$f" bs="$(stat -c %s "$f")" count=1 conv=notrunc status=none
	touch -r "orig/${f#tr/}" "$f"
done
expect_fail "the zeroed trace does not decode" 1 'tr' replay -s all -o zero.db tr
expect_ok "replay from the cache" replay -s all --decode-cache cache -o c2.db tr
is "read from the cache: the same outcome rows" "$(rows c2.db)" "$(rows plain.db)"
is "the same report" "$(report c2.db)" "$(report plain.db)"
is "still one entry" "$(entries cache)" 1

# Two replays of one trace started together decode it once: the second
# waits on KEY.lock for the first one's entry.  Here a holder takes the
# lock with the entry removed, and puts it back only once a replay waits
# on the lock (a blocked flock in /proc/locks): with the zeroed trace, a
# replay that decoded instead of waiting would fail.
one=$(ls cache/*.fld)
lock=${one%.fld}.lock
is "the first replay left its lock file" "$(test -f "$lock" && echo yes)" yes
ino=$(stat -c %i "$lock")
mv "$one" held.fld
# lockers BLOCKED: the locks on the lock file, or those waiting for it.
lockers() { grep -c -E "^[0-9]+: $1 *FLOCK .*:$ino " /proc/locks; }
flock "$lock" sh -c 'while [ ! -e go ]; do sleep 0.05; done; mv held.fld "$0"' "$one" &
holder=$!
for _ in $(seq 600); do [ "$(lockers '')" -gt 0 ] && break; sleep 0.1; done
"$FAULTLINE" replay -s all --decode-cache cache -o c2w.db tr >waiter.out 2>waiter.err &
waiter=$!
for _ in $(seq 600); do [ "$(lockers '->')" -gt 0 ] && break; sleep 0.1; done
is "a second replay waits on the lock" "$(lockers '->')" 1
touch go
wait "$holder"
wait "$waiter"
is "then reads the entry put back: it succeeds" "$?" 0
is "with the same outcome rows" "$(rows c2w.db)" "$(rows plain.db)"
is "still one entry" "$(entries cache)" 1

# A changed trace: a new key, decoded again.  (A copy with its mtimes kept
# may take the freed inodes: the same key, rightly, for the same files.)
rm -rf tr && cp -r orig tr
expect_ok "a copy of the trace (new mtimes)" replay -s all --decode-cache cache -o c3.db tr
is "is a new entry" "$(entries cache)" 2
is "with the same outcomes" "$(rows c3.db)" "$(rows plain.db)"
touch -d '2001-01-01 00:00:01' "$(streams tr | head -1)"
expect_ok "a stream file's mtime changed" replay -s all --decode-cache cache -o c4.db tr
is "is a new entry" "$(entries cache)" 3
is "with the same outcomes" "$(rows c4.db)" "$(rows plain.db)"
entry=$(ls -t cache/*.fld | head -1)
size=$(stat -c %s "$entry")

# Damaged entries: removed with a warning, the trace decoded again.
truncate -s $((size / 2)) "$entry"
expect_ok "a truncated entry" replay -s all --decode-cache cache -o c5.db tr
contains "warns, naming the file" "$FL_ERR" "^faultline: warning: decode cache $entry: cut short: removed it"
is "the outcomes of a decode" "$(rows c5.db)" "$(rows plain.db)"
is "and the entry written again, whole" "$(stat -c %s "$entry")" "$size"
head -c "$size" /dev/urandom >"$entry"
expect_ok "a garbage entry" replay -s all --decode-cache cache -o c6.db tr
contains "warns, naming the file" "$FL_ERR" "^faultline: warning: decode cache $entry: not a decode cache file: removed it"
is "the outcomes of a decode" "$(rows c6.db)" "$(rows plain.db)"
# One byte changed in the records: the checksum.
printf '\377' | dd of="$entry" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_ok "an entry with a byte changed" replay -s all --decode-cache cache -o c7.db tr
contains "warns of its checksum" "$FL_ERR" "^faultline: warning: decode cache $entry: its checksum does not match"
is "the outcomes of a decode" "$(rows c7.db)" "$(rows plain.db)"
: >"$entry"
expect_ok "an empty entry" replay -s all --decode-cache cache -o c8.db tr
contains "warns" "$FL_ERR" "decode cache $entry: shorter than its header"
is "the outcomes of a decode" "$(rows c8.db)" "$(rows plain.db)"
is "a warning once" "$(grep -c 'decode cache' <<<"$FL_ERR")" 1
# Records that do not parse under a right checksum (a wire format changed
# without its version): found after the header, so a clear error, the
# entry removed, and the next replay decodes.
printf '\377' | dd of="$entry" bs=1 seek=96 conv=notrunc status=none
sum=$(tail -c +97 "$entry" | sha256sum | cut -c1-64)
printf "$(sed 's/../\\x&/g' <<<"$sum")" | dd of="$entry" bs=1 seek=64 conv=notrunc status=none
expect_fail "an entry whose records do not parse" 1 "decode cache's records did not parse" \
	replay -s all --decode-cache cache -o c10.db tr
contains "warns, naming the file" "$FL_ERR" "^faultline: warning: decode cache $entry: its records do not parse: removed it"
if [ -e "$entry" ]; then not_ok "the entry is removed"; else ok "the entry is removed"; fi
expect_ok "the next replay decodes" replay -s all --decode-cache cache -o c11.db tr
is "the outcomes of a decode" "$(rows c11.db)" "$(rows plain.db)"

# A lossy trace (lttng-kernel fixture: 5 discarded events): the same
# losses and the same warning from the cache.
mk=$FL_BUILD/tests/tools/mkfixture-lttng-kernel
"$mk" lossy >/dev/null 2>&1
expect_ok "a lossy trace without the cache" replay -s all -o l0.db lossy
w0=$(grep 'lost events' <<<"$FL_ERR")
expect_ok "... with it, filling it" replay -s all --decode-cache lc -o l1.db lossy
expect_ok "... read from it" replay -s all --decode-cache lc -o l2.db lossy
w2=$(grep 'lost events' <<<"$FL_ERR")
is "the lost events counted" "$(q l2.db 'select lost_events from traces')" 5
is "the same losses" "$(q l2.db 'select * from losses' | md5sum)" "$(q l0.db 'select * from losses' | md5sum)"
is "the same trace row's losses" "$(q l2.db 'select lost_events, t_first_loss from traces')" \
	"$(q l0.db 'select lost_events, t_first_loss from traces')"
if [ -n "$w0" ] && [ "$w0" = "$w2" ]; then ok "the same warning of the losses"
else not_ok "the same warning of the losses" "without: $w0" "cached:  $w2"; fi
is "the same outcome rows" "$(rows l2.db)" "$(rows l0.db)"

# The key names the build: a byte-identical copy of the binary reads the
# entry, a copy whose build ID differs (another build of the same version,
# e.g. with changes not committed) decodes again.  The copies run outside
# valgrind (FAULTLINE may be its wrapper).
bin=$FL_BUILD/faultline
id=$(readelf -n "$bin" 2>/dev/null | sed -n 's/^ *Build ID: *//p')
cp "$bin" same-build
cp "$bin" other-build
rm -rf tb bc && cp -a orig tb
"$bin" replay -s pervma --decode-cache bc -o b1.db tb >/dev/null 2>&1
./same-build replay -s pervma --decode-cache bc -o b2.db tb >/dev/null 2>&1
is "a copy of the same build reads the entry" "$(entries bc)" 1
if [ -n "$id" ]; then
	# The build ID's first byte changed: it follows the note's 12-byte
	# header and its name "GNU\0", in the section of its own.
	off=$(readelf -SW other-build | sed -n 's/.*\.note\.gnu\.build-id *NOTE *[0-9a-f]* \([0-9a-f]*\) .*/\1/p')
	byte=$(od -An -tx1 -j $((0x$off + 16)) -N1 other-build | tr -d ' ')
	printf "\\x$(printf %02x $((0x$byte ^ 0xff)))" |
		dd of=other-build bs=1 seek=$((0x$off + 16)) conv=notrunc status=none
	id2=$(readelf -n other-build 2>/dev/null | sed -n 's/^ *Build ID: *//p')
	if [ -n "$id2" ] && [ "$id2" != "$id" ]; then ok "the copy has another build ID ($id2)"
	else not_ok "the copy has another build ID" "readelf -n: '$id2', the build's: '$id'"; fi
	./other-build replay -s pervma --decode-cache bc -o b3.db tb >/dev/null 2>&1
	is "another build ID is another entry" "$(entries bc)" 2
	is "with the same outcomes" "$(rows b3.db)" "$(rows b1.db)"
else
	skip "the copy has another build ID" "$bin has no build ID (readelf -n)"
	skip "another build ID is another entry" "$bin has no build ID (readelf -n)"
	skip "with the same outcomes" "$bin has no build ID (readelf -n)"
fi

# A cache that cannot be made: a warning, and the replay goes on.
: >afile
expect_ok "a cache directory that cannot be made" replay -s all --decode-cache afile/cache -o c9.db orig
contains "warns" "$FL_ERR" "^faultline: warning: afile/cache: cannot make the decode cache's directory"
is "the outcomes all the same" "$(rows c9.db)" "$(rows plain.db)"

expect_fail "--decode-cache with --live" 2 'decode-cache does not go with --live' \
	replay --live --decode-cache cache net://localhost/host/h/s
expect_ok "replay --help" replay --help
contains "names --decode-cache" "$FL_OUT" '^      --decode-cache DIR'
contains "says what keys it" "$FL_OUT" 'sizes, mtimes \(ns\) and inodes'

done_testing
