# Driving `faultline tui` through tmux for tests/integration/t06*-tui*.sh
# (tig's test/tools/libtest.sh in miniature): start it in a detached tmux
# session of a given size on a private socket, send keys, and wait for text
# on the screen (capture-pane).  Source after tests/lib.sh.
#
# Waits poll the screen up to TUI_WAIT seconds (longer under valgrind): they
# wait for a screen, they do not time anything.

# A fresh server (socket) per session: a new session on the socket of a
# server still shutting down fails with "server exited unexpectedly".
tui_n=0
TUI_SOCK=$FL_TMP/tmux.0.sock
TUI_WAIT=${TUI_WAIT:-10}
[ "${FL_VALGRIND:-0}" = 1 ] && TUI_WAIT=60

tui_tmux() { tmux -S "$TUI_SOCK" -f /dev/null "$@"; }

# tui_have_tmux: 0 when tmux can run here.
tui_have_tmux() { command -v tmux >/dev/null 2>&1; }

# tui_need_tmux WHAT: what follows needs tmux.  Without it WHAT is reported
# as skipped, with the reason, and the test ends; with it, the TUI's tmux
# server is stopped when the test exits.
tui_need_tmux() {
	if ! tui_have_tmux; then
		skip "$1" "tmux is not installed (scripts/install-deps installs it)"
		done_testing
		exit
	fi
	trap 'tui_stop; rm -rf "$FL_TMP"' EXIT
}

# tui_replay DB ARGS...: the node-gc trace replayed into DB with faultline
# replay's options ARGS; a test that cannot have it fails and ends.
tui_replay() {
	local db=$1
	shift
	if ! "$FL_BUILD/faultline" replay traces/x86_64/node-gc -o "$db" "$@" >/dev/null 2>&1; then
		not_ok "replay the node-gc trace into ${db##*/} ($*)"
		done_testing
		exit
	fi
}

# tui_start COLS ROWS [VAR=VALUE...] -- ARGS...: run `faultline ARGS` in a
# fresh session; its stderr goes to $FL_TMP/tui.err, its exit status to
# $FL_TMP/tui.rc.  The shell stays after it exits, so the screen it leaves
# can be read.
tui_start() {
	local cols=$1 rows=$2 envs=() q
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	rm -f "$FL_TMP/tui.rc" "$FL_TMP/tui.err"
	printf -v q '%q ' "$FAULTLINE" "$@"
	cat >"$FL_TMP/tui-cmd.sh" <<EOF
clear
echo BEFORE-TUI
env LANG=C.UTF-8 TERM=tmux-256color ${envs[*]} $q 2>"$FL_TMP/tui.err"
echo \$? >"$FL_TMP/tui.rc"
echo EXIT-TUI
stty -a | tr ';' '\n' | grep -E -o -- '-?(icanon|echo)\b' | tr '\n' ' '
echo
exec sleep 600
EOF
	tui_tmux kill-server 2>/dev/null
	tui_n=$((tui_n + 1))
	TUI_SOCK=$FL_TMP/tmux.$tui_n.sock
	tui_tmux new-session -d -x "$cols" -y "$rows" -s tui "bash $FL_TMP/tui-cmd.sh"
}

tui_screen() { tui_tmux capture-pane -p -t tui 2>/dev/null; }

# tui_keys KEY...: tmux send-keys names (Enter, BSpace, Tab, Down, NPage, C-l ...).
tui_keys() { tui_tmux send-keys -t tui "$@"; }

# tui_wait TEXT: wait until the screen holds TEXT (fixed string); 1 if never.
tui_wait() {
	local i n=$((TUI_WAIT * 20))
	for ((i = 0; i < n; i++)); do
		tui_screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	return 1
}

# tui_wait_gone TEXT: wait until the screen no longer holds TEXT.
tui_wait_gone() {
	local i n=$((TUI_WAIT * 20))
	for ((i = 0; i < n; i++)); do
		tui_screen | grep -qF -- "$1" || return 0
		sleep 0.05
	done
	return 1
}

# tui_expect WHAT TEXT: ok when the screen comes to hold TEXT.
tui_expect() {
	if tui_wait "$2"; then ok "$1"; else
		not_ok "$1" "the screen never showed: $2" "screen:" "$(tui_screen)"
		[ -s "$FL_TMP/tui.err" ] && printf '# stderr: %s\n' "$(cat "$FL_TMP/tui.err")"
	fi
}

# tui_expect_line WHAT REGEX: ok when a screen line matches the extended REGEX.
tui_expect_line() {
	local i n=$((TUI_WAIT * 20))
	for ((i = 0; i < n; i++)); do
		if tui_screen | grep -qE -- "$2"; then ok "$1"; return; fi
		sleep 0.05
	done
	not_ok "$1" "no screen line matches /$2/" "screen:" "$(tui_screen)"
}

# tui_expect_gone WHAT TEXT
tui_expect_gone() {
	if tui_wait_gone "$2"; then ok "$1"; else
		not_ok "$1" "the screen still shows: $2" "screen:" "$(tui_screen)"
	fi
}

# tui_quit WHAT [KEY]: Q (or KEY), then the command must exit 0 with nothing
# on stderr (under valgrind or the sanitizers, a report there fails it).
tui_quit() {
	local i n=$((TUI_WAIT * 20))
	tui_keys "${2:-Q}"
	for ((i = 0; i < n; i++)); do
		[ -s "$FL_TMP/tui.rc" ] && break
		sleep 0.05
	done
	if [ "$(cat "$FL_TMP/tui.rc" 2>/dev/null)" != 0 ]; then
		not_ok "$1" "exit status: $(cat "$FL_TMP/tui.rc" 2>/dev/null || echo none)" \
			"stderr: $(cat "$FL_TMP/tui.err" 2>/dev/null)" "screen:" "$(tui_screen)"
	elif [ -s "$FL_TMP/tui.err" ]; then
		not_ok "$1" "stderr: $(cat "$FL_TMP/tui.err")"
	else
		ok "$1"
	fi
}

tui_stop() { tui_tmux kill-server 2>/dev/null; }
