#!/bin/bash
# The store under faults (see also t0300 for one kill, t0320 for a
# file-size limit, t0330 for races, t0340 for a full disk, t0550 for
# read-only files):
#   - a corrupted database: every reader and a replay fail with a message
#     naming it (or, where the damage is not on their way, succeed), never
#     crash;
#   - kill -9 of a replay at points spread over its run, in a loop: the
#     database passes integrity_check and holds no half run;
#   - readers while a replay writes: each sees the runs before the
#     replay or all of them, whole.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
nodegc=$FL_TOP/traces/x86_64/node-gc
q() { sqlite3 "$1" "$2" 2>&1; }
crashed() { printf '%s\n' "$1" | grep -Eq 'AddressSanitizer|runtime error|Segmentation|Aborted'; }

base=$FL_TMP/base.db
expect_ok "a database of two runs" replay -s all "$mmchurn" -o "$base"
pages=$(q "$base" 'PRAGMA page_count')

# ---- corrupted databases -------------------------------------------------------
# corrupt NAME DD-ARGS...: a copy of base with bytes overwritten.
corrupt() {
	local name=$1
	shift
	cp "$base" "$FL_TMP/$name.db"
	dd of="$FL_TMP/$name.db" conv=notrunc status=none "$@"
}
corrupt header if=/dev/urandom bs=1 count=100 seek=0
corrupt pages if=/dev/zero bs=4096 count=8 seek=$((pages / 2))
corrupt garbage if=/dev/urandom bs=4096 count=$((pages / 4)) seek=$((pages / 3))
cp "$base" "$FL_TMP/short.db"
truncate -s $((pages * 4096 / 2)) "$FL_TMP/short.db"
bad=""
for name in header pages garbage short; do
	db=$FL_TMP/$name.db
	for cmd in "report @" "report --by thread @" "report --by vma @" "report --fidelity @" \
		"report --html $FL_TMP/$name.html @" "export --table outcomes @" \
		"export --table faults @" "diff @ 1 2" "replay --again -s pervma $mmchurn -o @"; do
		# shellcheck disable=SC2086
		run_fl ${cmd/@/$db}
		if crashed "$FL_ERR" || [ "$FL_RC" -gt 2 ]; then
			bad="$bad $name/$cmd: exit $FL_RC: $(printf '%s' "$FL_ERR" | head -3);"
		elif [ "$FL_RC" != 0 ] && ! printf '%s\n' "$FL_ERR" | grep -q "^faultline: .*$name\.db"; then
			bad="$bad $name/$cmd: exit $FL_RC without naming the database: $FL_ERR;"
		fi
	done
done
is "corrupted databases: a message naming the file, or an answer; never a crash" "$bad" ""
expect_fail "a database with a random header: not an SQLite database" 1 \
	"header\.db: not a faultline database|header\.db: .*not a database|header\.db: .*malformed" report "$FL_TMP/header.db"
expect_fail "a database cut in half: a message naming it" 1 "short\.db: " report --by thread "$FL_TMP/short.db"
expect_fail "a replay into it: refused, saying it is damaged" 1 "short\.db: the database is damaged" \
	replay -s pervma "$mmchurn" -o "$FL_TMP/short.db"

# ---- kill -9 at points spread over a replay, in a loop ------------------------------
one=$FL_TMP/one.db
expect_ok "a database of one run" replay -s pervma "$mmchurn" -o "$one"
faults=$(q "$one" 'select faults from runs')
bad=""
killed=0
# Delays from 0 to about a replay's length; where each lands does not
# matter: any point must leave a sound database.
for ms in 0 5 10 20 40 60 80 120 160 200 300 400 600 800 1000; do
	k=$FL_TMP/kill.db
	rm -f "$k" "$k-wal" "$k-shm"
	cp "$one" "$k"
	"$FAULTLINE" replay -s all --again "$mmchurn" -o "$k" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	[ "$ms" -ge 1000 ] && sleep 1
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	{ wait "$pid"; } 2>/dev/null
	ic=$(q "$k" 'PRAGMA integrity_check')
	[ "$ic" = ok ] || bad="$bad ${ms}ms: integrity_check: $ic;"
	runs=$(q "$k" 'select count(*) from runs')
	case $runs in
	1|5) ;;
	*) bad="$bad ${ms}ms: $runs runs;" ;;
	esac
	half=$(q "$k" 'select count(*) from runs r where r.faults <> (select count(*) from outcomes o where o.run_id = r.run_id) or r.faults = 0')
	[ "$half" = 0 ] || bad="$bad ${ms}ms: $half half runs;"
	[ "$(q "$k" "select count(*) from outcomes where run_id = 1")" = "$faults" ] ||
		bad="$bad ${ms}ms: the first run changed;"
	# A new database: absent, or whole.
	n=$FL_TMP/kill-new.db
	rm -f "$n" "$n-wal" "$n-shm"
	"$FAULTLINE" replay -s all "$mmchurn" -o "$n" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	[ "$ms" -ge 1000 ] && sleep 1
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	if [ -e "$n" ]; then
		[ "$(q "$n" 'PRAGMA integrity_check')" = ok ] || bad="$bad ${ms}ms: the new database is not intact;"
		[ "$(q "$n" 'select count(*) from runs')" = 4 ] || bad="$bad ${ms}ms: the new database is not whole;"
	fi
done
is "kill -9 at 15 points of a replay: intact, no half run, the old run unchanged" "$bad" ""
if [ "$killed" -gt 0 ]; then ok "the kills landed while a replay ran ($killed of 15)"; else
	not_ok "the kills landed while a replay ran" "every replay had ended"; fi
expect_ok "the database takes a replay afterwards" replay -s pervma "$nodegc" -o "$k"

# ---- readers while a replay writes ---------------------------------------------------
r=$FL_TMP/read.db
cp "$one" "$r"
"$FAULTLINE" replay -s all "$nodegc" -o "$r" >"$FL_TMP/w.out" 2>"$FL_TMP/w.err" &
writer=$!
bad=""
reads=0
while kill -0 "$writer" 2>/dev/null || [ "$reads" -eq 0 ]; do
	run_fl export --table runs "$r"
	if [ "$FL_RC" != 0 ]; then bad="$bad export: exit $FL_RC: $FL_ERR;"; break; fi
	n=$(($(printf '%s\n' "$FL_OUT" | wc -l) - 1))
	[ "$n" = 1 ] || [ "$n" = 5 ] || bad="$bad export saw $n runs;"
	run_fl report --by thread "$r"
	[ "$FL_RC" = 0 ] || { bad="$bad report: exit $FL_RC: $FL_ERR;"; break; }
	reads=$((reads + 1))
done
wait "$writer"
is "the replay writing meanwhile stored" "$?" 0
is "$reads rounds of readers while it wrote: each saw 1 run or all 5, and answered" "$bad" ""
is "... and the database holds the 5 runs, whole" \
	"$(q "$r" 'select count(*) from runs r where r.faults = (select count(*) from outcomes o where o.run_id = r.run_id)')" 5

done_testing
