#!/bin/bash
# faultline-test: serial (records: machine-wide tracers and buffers)
# faultline record cleans up after itself: a recorder killed with SIGKILL
# leaves no recorded command, no LTTng session and no private session daemon
# behind, and its trace is finished (owner-only, readable, marked cut
# short); a recording left unfinished is finished by the next `record -o`
# or `info`; a command that cannot run leaves no directory; the sudo ids
# are taken only as a numeric pair, and the command gets the user's HOME,
# USER, LOGNAME and groups.  Synchronisation is through a FIFO the recorded
# command writes once it runs: nothing depends on timing.
. "$FL_TOP/tests/lib.sh"

pt=$FL_BUILD/tests/workloads/pagetouch
checks=(
	"sudo: SUDO_UID without SUDO_GID is refused" "sudo: a malformed SUDO_UID is refused"
	"sudo: a refusal leaves no directory"
	"sudo: the command runs as the user, with its HOME, USER, LOGNAME and groups"
	"sudo: the trace belongs to the user, owner-only"
	"a command that does not exist is an error" "a command that does not exist leaves no directory"
	"an error before the output directory leaves stdin alone"
	"trace files are 0600 and directories 0700"
	"SIGKILL: the guard says what it stopped" "SIGKILL: the recorded command and its children are gone"
	"SIGKILL: the private lttng-sessiond and its consumer daemons are gone"
	"SIGKILL: the trace is finished, owner-only and marked cut short"
	"SIGKILL: info reads the trace and says it was cut short"
	"partial trace: info finishes it and says so" "partial trace: owner-only, owned as the marker says"
	"partial trace: record -o DIR finishes it and still refuses DIR"
)
need_recording root lttng tracefs -- "${checks[@]}"

# --- sudo ids ---------------------------------------------------------
SUDO_UID=65534 expect_fail "sudo: SUDO_UID without SUDO_GID is refused" 1 \
	"SUDO_UID and SUDO_GID must both be set to numeric ids \(SUDO_UID='65534', SUDO_GID=unset\)" \
	record -o "$FL_TMP/s1" -- true
SUDO_UID=65534x SUDO_GID=65534 expect_fail "sudo: a malformed SUDO_UID is refused" 1 \
	"SUDO_UID and SUDO_GID must both be set to numeric ids \(SUDO_UID='65534x'" \
	record -o "$FL_TMP/s1" -- true
is "sudo: a refusal leaves no directory" "$(ls -d "$FL_TMP/s1" 2>/dev/null)" ""

nobody=$(getent passwd 65534 | cut -d: -f1)
if [ -n "$nobody" ]; then
	home=$(getent passwd 65534 | cut -d: -f6)
	want="65534 65534 $(id -G "$nobody") $home $nobody $nobody"
	chmod 0711 "$FL_TMP"
	SUDO_UID=65534 SUDO_GID=65534 HOME=/root USER=root LOGNAME=root run_fl record -q -o "$FL_TMP/s2" -- \
		sh -c 'echo "$(id -u) $(id -g) $(id -G) $HOME $USER $LOGNAME"'
	is "sudo: the command runs as the user, with its HOME, USER, LOGNAME and groups" "$FL_OUT" "$want"
	is "sudo: the trace belongs to the user, owner-only" \
		"$(find "$FL_TMP/s2" \( ! -user 65534 -o -perm /077 \) | head -n 3)" ""
else
	skip "sudo: the command runs as the user, with its HOME, USER, LOGNAME and groups" "no user 65534 here"
	skip "sudo: the trace belongs to the user, owner-only" "no user 65534 here"
fi

# --- a command that cannot run, modes ---------------------------------
expect_fail "a command that does not exist is an error" 1 "cannot run '/nonexistent'" \
	record -o "$FL_TMP/ne" -- /nonexistent
is "a command that does not exist leaves no directory" "$(ls -d "$FL_TMP/ne" 2>/dev/null)" ""
# stdin opened read-write on a file: nothing of the recorder's may land in it.
mkdir "$FL_TMP/exists"
: >"$FL_TMP/stdin"
"$FAULTLINE" record -o "$FL_TMP/exists" -- true 0<>"$FL_TMP/stdin" >/dev/null 2>&1
is "an error before the output directory leaves stdin alone" "$(cat "$FL_TMP/stdin")" ""
run_fl record -q -o "$FL_TMP/m" -- "$pt" -t 1 -r 1 -p 16
is "trace files are 0600 and directories 0700" \
	"$(find "$FL_TMP/m" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) | head -n 3)" ""

# --- SIGKILL ----------------------------------------------------------
# In a mount namespace of its own with an empty /var/run/lttng, the
# recorder finds no session daemon and starts a private one, whatever else
# runs on this machine.
mkfifo "$FL_TMP/ready"
cat >"$FL_TMP/kill.sh" <<'SH'
mount -t tmpfs fl-lttng-run /var/run/lttng || exit 9
"$FAULTLINE" record -o "$T" -- sh -c 'sleep 600 & echo "$! $$" >"$READY"; wait' 2>"$T.err" &
rec=$!
# Read-write, the FIFO's open never blocks; the read gives up after 10 min.
exec 3<>"$READY"
read -t 600 -r kids <&3 || { kill "$rec"; exit 1; }
echo "$kids" >"$T.kids"
kill -9 "$rec"
wait "$rec"
# The guard finishes the trace last: wait for that, however long it takes.
for ((i = 0; i < 6000; i++)); do [ -e "$T/.faultline-recording" ] || break; sleep 0.1; done
SH
T=$FL_TMP/k READY=$FL_TMP/ready unshare -m bash "$FL_TMP/kill.sh"
urc=$?
if [ "$urc" -eq 9 ]; then
	for c in "${checks[@]:9:5}"; do skip "$c" "cannot mount a tmpfs on /var/run/lttng in a new mount namespace"; done
else
	err=$(cat "$FL_TMP/k.err")
	if printf '%s\n' "$err" | grep -q 'the recorder died: stopped 2 processes of the recorded command, its LTTng session and its lttng-sessiond; the trace until then is in .*/k (cut short)'; then
		ok "SIGKILL: the guard says what it stopped"
	else
		not_ok "SIGKILL: the guard says what it stopped" "$err"
	fi
	# A zombie is gone too: its reaper may be slow.
	alive() { local s; s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1); [ -n "$s" ] && [ "$s" != Z ]; }
	left=""
	for p in $(cat "$FL_TMP/k.kids"); do alive "$p" && left+=" $p"; done
	is "SIGKILL: the recorded command and its children are gone" "$left" ""
	sd=$(sed -n 's/.*started a private lttng-sessiond (pid \([0-9]*\)).*/\1/p' "$FL_TMP/k.err")
	left=""
	if [ -n "$sd" ]; then
		alive "$sd" && left+=" sessiond $sd"
		for p in $(pgrep -P "$sd"); do alive "$p" && left+=" child $p"; done
		is "SIGKILL: the private lttng-sessiond and its consumer daemons are gone" "${left:-gone}" gone
	else
		not_ok "SIGKILL: the private lttng-sessiond and its consumer daemons are gone" "no private daemon was started" "$err"
	fi
	if [ -f "$FL_TMP/k/metadata" ] && [ -f "$FL_TMP/k/.faultline-cut-short" ] && [ ! -e "$FL_TMP/k/ust" ] &&
		[ -z "$(find "$FL_TMP/k" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \))" ]; then
		ok "SIGKILL: the trace is finished, owner-only and marked cut short"
	else
		not_ok "SIGKILL: the trace is finished, owner-only and marked cut short" "$(ls -laR "$FL_TMP/k")"
	fi
	babeltrace2 "$FL_TMP/k" >/dev/null 2>"$FL_TMP/bt.err"
	btrc=$?
	run_fl info "$FL_TMP/k"
	if [ "$btrc" -eq 0 ] && printf '%s\n' "$FL_ERR" | grep -q 'k: the recording was cut short: the recorder was killed'; then
		ok "SIGKILL: info reads the trace and says it was cut short"
	else
		not_ok "SIGKILL: info reads the trace and says it was cut short" "babeltrace2 exit $btrc" "$(cat "$FL_TMP/bt.err")" "$FL_ERR"
	fi
fi

# --- a partial trace left behind --------------------------------------
# What a recorder and its guard both killed leave: LTTng's nested layout,
# group-writable, and the marker naming a recorder that is gone.
make_partial() {
	local d=$1 n
	cp -a "$FL_TMP/m" "$d"
	rm -f "$d/.faultline-cut-short"
	mkdir -p "$d/ust/uid/0/64-bit"
	for n in "$d"/*; do [ "$n" = "$d/ust" ] || mv "$n" "$d/ust/uid/0/64-bit/"; done
	chmod -R g+rw "$d"
	printf 'pid 2147483646\nowner 65534 65534\n' >"$d/.faultline-recording"
}
make_partial "$FL_TMP/p1"
run_fl info "$FL_TMP/p1"
if [ "$FL_RC" -eq 0 ] && printf '%s\n' "$FL_ERR" | grep -q 'p1 held a recording that was never finished; finished it' &&
	printf '%s\n' "$FL_ERR" | grep -q 'p1: the recording was cut short' && [ -f "$FL_TMP/p1/metadata" ]; then
	ok "partial trace: info finishes it and says so"
else
	not_ok "partial trace: info finishes it and says so" "exit $FL_RC" "$FL_ERR"
fi
is "partial trace: owner-only, owned as the marker says" \
	"$(find "$FL_TMP/p1" \( ! -user 65534 \) -o \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) | head -n 3)" ""
make_partial "$FL_TMP/p2"
run_fl record -o "$FL_TMP/p2" -- true
if [ "$FL_RC" -eq 1 ] && printf '%s\n' "$FL_ERR" | grep -q 'p2 held a recording that was cut short; it is finished now' &&
	printf '%s\n' "$FL_ERR" | grep -q 'output directory .*p2 exists' && [ -f "$FL_TMP/p2/metadata" ]; then
	ok "partial trace: record -o DIR finishes it and still refuses DIR"
else
	not_ok "partial trace: record -o DIR finishes it and still refuses DIR" "exit $FL_RC" "$FL_ERR"
fi

done_testing
