#!/bin/bash
# Outputs that cannot be written, and files that must not be harmed.
#   - Every command flushes and closes stdout and fails (exit 1, naming
#     the output) when a write failed: /dev/full for info, report, diff,
#     export and replay.
#   - File outputs (report --html FILE, export -o FILE) go to a new
#     mkstemp() file renamed over FILE when whole (lib/fl_out.c): a
#     symlink planted at the old predictable FILE.tmp is not followed, and a
#     target that is not a regular file (a FIFO, a device, a symlink) is
#     refused, not replaced.
. "$FL_TOP/tests/lib.sh"

mmchurn=$FL_TOP/traces/x86_64/mmchurn
db=$FL_TMP/o.db
expect_ok "a database of two runs" replay -s all "$mmchurn" -o "$db"

# ---- stdout to a full device ---------------------------------------------------
full() {
	local what=$1
	shift
	"$FAULTLINE" "$@" >/dev/full 2>"$FL_TMP/err"
	FL_RC=$?
	FL_ERR=$(cat "$FL_TMP/err")
	if [ "$FL_RC" = 1 ] && printf '%s\n' "$FL_ERR" | grep -Eq '^faultline: cannot write the output to stdout: (No space left on device|a write failed)$'; then
		ok "$what > /dev/full: exit 1, naming stdout"
	else
		not_ok "$what > /dev/full: exit 1, naming stdout" "exit $FL_RC" "$FL_ERR"
	fi
}
full info info "$mmchurn"
full "info --format json" info --format json "$mmchurn"
full report report "$db"
full "report --by thread" report --by thread "$db"
full "report --fidelity" report --fidelity "$db"
full diff diff "$db" 1 2
full "export (a large table)" export --table outcomes "$db"
full "export --format json" export --table runs --format json "$db"
full "export -o -" export --table runs -o - "$db"
full "report --html -" report --html - "$db"
full replay replay -s pervma "$mmchurn" -o "$FL_TMP/full-replay.db"
is "... the replay itself is stored" "$(sqlite3 "$FL_TMP/full-replay.db" 'select count(*) from runs')" 1
full "--help" --help
full "report --help" report --help

# ---- export -o FILE -------------------------------------------------------------
out=$FL_TMP/runs.csv
expect_ok "export -o FILE" export --table runs -o "$out" "$db"
is "... writes what stdout gets" "$(cat "$out")" "$("$FAULTLINE" export --table runs "$db")"
is "... and nothing else in its directory" "$(ls -A "$FL_TMP" | grep -c '^\.runs\.csv')" 0
chmod 0640 "$out"
expect_ok "export -o over an existing file" export --table cause_counts -o "$out" "$db"
is "... replaces it" "$(head -1 "$out")" "run_id,counter,reason,n,fell_back"
is "... keeping its mode" "$(stat -c %a "$out")" 640

# A symlink planted at the name an older faultline wrote through.
victim=$FL_TMP/victim
echo "precious" >"$victim"
ln -s "$victim" "$FL_TMP/page.html.tmp"
expect_ok "report --html FILE with a symlink planted at FILE.tmp" report --html "$FL_TMP/page.html" "$db"
is "... the symlink's target is untouched" "$(cat "$victim")" precious
is "... the symlink is still a symlink" "$(stat -c %F "$FL_TMP/page.html.tmp")" "symbolic link"
grep -q '</html>' "$FL_TMP/page.html" && ok "... and FILE is the page" || not_ok "... and FILE is the page"

# Targets that are not regular files.
mkfifo "$FL_TMP/fifo"
expect_fail "export -o FIFO: refused" 1 "fifo: a FIFO, which an output does not replace" \
	export --table runs -o "$FL_TMP/fifo" "$db"
is "... the FIFO is still there" "$(stat -c %F "$FL_TMP/fifo")" fifo
expect_fail "report --html FIFO: refused" 1 "fifo: a FIFO, which an output does not replace" \
	report --html "$FL_TMP/fifo" "$db"
ln -s "$victim" "$FL_TMP/link.html"
expect_fail "report --html SYMLINK: refused" 1 "link.html: a symbolic link, which an output does not replace" \
	report --html "$FL_TMP/link.html" "$db"
is "... its target untouched" "$(cat "$victim")" precious
if [ "$(id -u)" = 0 ]; then
	expect_fail "report --html /dev/null as root: refused" 1 "/dev/null: a device" \
		report --html /dev/null "$db"
	is "... /dev/null is still a device" "$(stat -c %F /dev/null)" "character special file"
else
	skip "report --html /dev/null as root: refused" "not root"
	skip "... /dev/null is still a device" "not root"
fi
mkdir "$FL_TMP/ro"
chmod 0555 "$FL_TMP/ro"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0755 "$FL_TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$FAULTLINE" export --table runs \
		-o "$FL_TMP/ro/x.csv" "$db" >/dev/null 2>"$FL_TMP/err"
	rc=$?
	is "export -o into a directory it cannot write: exit 1" "$rc" 1
	grep -q "x.csv: cannot create it: Permission denied" "$FL_TMP/err" && ok "... saying why" ||
		not_ok "... saying why" "$(cat "$FL_TMP/err")"
else
	skip "export -o into a directory it cannot write: exit 1" "needs root and setpriv to act as nobody"
	skip "... saying why" "needs root and setpriv"
fi

# ---- a full file system under the output file (root: tmpfs) ----------------------
mnt=$FL_TMP/mnt
mkdir -p "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k faultline-test "$mnt" 2>/dev/null; then
	trap 'umount "$mnt" 2>/dev/null; rm -rf "$FL_TMP"' EXIT
	echo "old" >"$mnt/o.csv"
	expect_fail "export -o on a full tmpfs: exit 1, naming the file" 1 \
		"o\.csv: cannot write the output: No space left on device" \
		export --table outcomes -o "$mnt/o.csv" "$db"
	is "... the old file is as it was" "$(cat "$mnt/o.csv")" old
	is "... and no partial file is left" "$(ls -A "$mnt")" o.csv
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	expect_fail "report --html on a full tmpfs: exit 1" 1 "p\.html: cannot write the output: (No space left on device|a write failed)" \
		report --html "$mnt/p.html" "$db"
	is "... and nothing is left" "$(ls -A "$mnt" | tr '\n' ' ')" "filler o.csv "
else
	for t in "export -o on a full tmpfs" "... the old file" "... no partial file" "report --html on a full tmpfs" "... nothing left"; do
		skip "$t" "needs root and a tmpfs mount"
	done
fi

done_testing
