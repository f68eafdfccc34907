#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# A replay killed while it creates a new database leaves no private file
# behind for good.  The file is DIR/.NAME.PID.XXXXXX: SIGINT, SIGTERM and
# SIGHUP remove it at once; after a SIGKILL (which cannot be caught) the
# next replay into the same target removes it, once its process is gone and
# it has been left alone for a few seconds.  Files that are not provably
# such a leftover stay.
#
# The window is made without timing: FL_TEST_STOP_AFTER_TMP (a test hook in
# replay/store.c) makes the replay stop itself (SIGSTOP) once its private
# file has its schema; the test waits for that state, then signals it.
. "$FL_TOP/tests/lib.sh"

trace=$FL_TOP/traces/x86_64/mmchurn
d=$FL_TMP/k
mkdir -p "$d"
tmps() { (cd "$d" && ls -A | grep '^\.r\.db\.' | sort | tr '\n' ' '); }

# Start a replay into $d/r.db that stops once its private file exists (in
# this shell, so that it can be waited for): $pid.  stopped: true once it
# has stopped there, false if it ended instead.
start() {
	FL_TEST_STOP_AFTER_TMP=1 "$FAULTLINE" replay -s pervma "$trace" -o "$d/r.db" >/dev/null 2>&1 &
	pid=$!
}
stopped() {
	local i
	for i in $(seq 600); do
		case $(ps -o stat= -p "$pid" 2>/dev/null) in T*) return 0 ;; esac
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 1
}
# The private database file's name (no -wal, -shm).
main_tmp() { (cd "$d" && ls -A | grep "^\.r\.db\.$1\.......\$"); }

for sig in INT TERM HUP; do
	start
	if ! stopped; then
		not_ok "SIG$sig: the replay stops after creating its private file" "it did not stop"
		continue
	fi
	left=$(tmps)
	if [ -n "$(main_tmp "$pid")" ]; then ok "SIG$sig: the private file is .r.db.PID.XXXXXX ($left)"
	else not_ok "SIG$sig: the private file is .r.db.PID.XXXXXX" "$left"; fi
	kill -"$sig" "$pid"
	kill -CONT "$pid"
	wait "$pid"
	rc=$?
	is "SIG$sig: the replay dies of the signal" "$rc" "$((128 + $(kill -l "$sig")))"
	is "SIG$sig: nothing is left" "$(tmps)$(ls "$d")" ""
done

# SIGKILL: the file stays (nothing can run), until the next replay.
start
if stopped; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	stale=$(main_tmp "$pid")
	if [ -n "$stale" ]; then ok "SIGKILL: the private file is left ($(tmps))"
	else not_ok "SIGKILL: the private file is left" "$(tmps)"; fi
	# Look-alikes the next replay must not touch: a live process's file,
	# another database's, a file that is not a database, one of another
	# target's name, and a symlink.
	sleep 1000 &
	live=$!
	# The private file is written with its journal in memory: no -wal.
	if [ -e "$d/$stale-wal" ]; then
		not_ok "SIGKILL: the private file has no -wal" "$(tmps)"
	else
		ok "SIGKILL: the private file has no -wal"
	fi
	# legacy NAME: a private file as an older faultline left it, killed
	# before its first checkpoint: page 1 alone in the file, and the
	# schema (faultline's application_id) in NAME-wal.
	legacy() {
		python3 - "$d/$1" <<'EOF'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("BEGIN")
db.execute("PRAGMA application_id = 1179405873")
db.execute("CREATE TABLE t (x)")
db.execute("COMMIT")
os._exit(0)
EOF
	}
	# clone NAME: a copy of the killed replay's file.
	clone() { cp "$d/$stale" "$d/$1"; }
	clone ".r.db.$live.AAAAAA"
	sqlite3 "$d/.r.db.999999.BBBBBB" 'create table t (x)'
	echo "not a database" >"$d/.r.db.999998.CCCCCC"
	clone ".other.db.999997.DDDDDD"
	ln -s "$d/$stale" "$d/.r.db.999996.EEEEEE"
	keep=".other.db.999997.DDDDDD .r.db.$live.AAAAAA
		.r.db.999996.EEEEEE .r.db.999998.CCCCCC .r.db.999999.BBBBBB"
	# An older faultline's leftover goes with its -wal and -shm; another
	# target's stays with them.
	if command -v python3 >/dev/null 2>&1; then
		legacy .r.db.999994.GGGGGG
		legacy .other.db.999993.HHHHHH
		keep="$keep .other.db.999993.HHHHHH .other.db.999993.HHHHHH-wal .other.db.999993.HHHHHH-shm"
	else
		skip "an older faultline's leftover with its schema in a -wal" \
			"python3 is not installed (scripts/install-deps installs it)"
	fi
	touch -h -d '1 minute ago' "$d"/.r.db.* "$d"/.other.db.*

	# A fresh private file of a dead process is left alone for a while
	# (dated ahead, so that a slow replay does not make it old).
	clone .r.db.999995.FFFFFF
	touch -d '1 hour' "$d"/.r.db.999995.FFFFFF
	expect_ok "the next replay into the same target" replay -s classic "$trace" -o "$d/r.db"
	is "... removes the killed replay's file and nothing else" \
		"$(cd "$d" && ls -A | grep '^\.' | sort | tr '\n' ' ')" \
		"$(printf '%s\n' $keep .r.db.999995.FFFFFF | sort | tr '\n' ' ')"
	kill "$live"
	wait "$live" 2>/dev/null
	is "... and stores its run" "$(sqlite3 "$d/r.db" 'select count(*) from runs')" 1
	touch -d '1 minute ago' "$d"/.r.db.999995.FFFFFF
	expect_ok "a replay into the existing database" replay --again -s classic "$trace" -o "$d/r.db"
	# The live process has ended by now: its file goes too.
	is "... removes the dead processes' files once they are old" \
		"$(cd "$d" && ls -A | grep '^\.' | sort | tr '\n' ' ')" \
		"$(printf '%s\n' $keep | grep -v AAAAAA | sort | tr '\n' ' ')"
else
	not_ok "SIGKILL: the replay stops after creating its private file" "it did not stop"
fi

done_testing
