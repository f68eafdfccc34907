#!/bin/bash
# make install puts the binary, one man page per command, faultline-store(5)
# and the bash completion under DESTDIR/PREFIX; each man page carries the
# command's own help text in the usual sections and renders with man -l.
. "$FL_TOP/tests/lib.sh"

# The version is one generated header, rewritten only when it changes
# (Makefile: VERSION_H): a build then rebuilds only the files that print or
# store it, and the binary names the version it was built at.
vh=$FL_TMP/vb/gen/fl_version.h
vmake() { make -s -C "$FL_TOP" BUILD="$FL_TMP/vb" "$@" "$vh" >"$FL_TMP/vmake.log" 2>&1; }
vmake VERSION=fl-test-a
is "the version header holds VERSION" "$(cat "$vh" 2>&1)" '#define FL_VERSION "fl-test-a"'
before=$(stat -c '%i %y' "$vh")
vmake VERSION=fl-test-a
is "the same version leaves it as it was (nothing rebuilt)" "$(stat -c '%i %y' "$vh")" "$before"
vmake VERSION=fl-test-b
is "another version rewrites it" "$(cat "$vh" 2>&1)" '#define FL_VERSION "fl-test-b"'
built=$(sed -n 's/^#define FL_VERSION "\(.*\)"$/\1/p' "$FL_BUILD/gen/fl_version.h")
is "faultline --version names the version of its build" \
	"$("$FL_BUILD/faultline" --version | head -n1)" "faultline $built"

# Installed as built: with the build's version, so that a tree changed
# since (a commit, an edit) does not rebuild the binary the other tests run.
dest=$FL_TMP/dest
if make -s -C "$FL_TOP" BUILD="$FL_BUILD" VERSION="$built" install PREFIX=/opt/fl DESTDIR="$dest" \
	>"$FL_TMP/install.log" 2>&1; then
	ok "make install PREFIX=/opt/fl DESTDIR=... succeeds"
else
	not_ok "make install PREFIX=/opt/fl DESTDIR=... succeeds" "$(cat "$FL_TMP/install.log")"
fi
if [ -x "$dest/opt/fl/bin/faultline" ] && "$dest/opt/fl/bin/faultline" --version >/dev/null; then
	ok "installed binary runs"
else
	not_ok "installed binary runs" "$(ls -R "$dest" 2>&1)"
fi
for cmd in info help version; do
	page=$dest/opt/fl/share/man/man1/faultline-$cmd.1
	usage=$("$FAULTLINE" help "$cmd" | head -n1 | sed 's/^usage: //')
	if [ -f "$page" ] && grep -qF -- "$usage" "$page"; then
		ok "man page faultline-$cmd(1) carries '$usage'"
	else
		not_ok "man page faultline-$cmd(1) carries '$usage'" "$(cat "$page" 2>&1 | head -n 20)"
	fi
done
[ -f "$dest/opt/fl/share/man/man1/faultline.1" ] && ok "man page faultline(1)" ||
	not_ok "man page faultline(1)"

# Every page renders, with its sections in order.
man1=$dest/opt/fl/share/man/man1
for page in "$man1"/faultline.1 "$man1"/faultline-*.1 "$dest/opt/fl/share/man/man5/faultline-store.5"; do
	name=$(basename "$page")
	if ! MANWIDTH=80 man -l "$page" >"$FL_TMP/page.txt" 2>"$FL_TMP/page.err" || [ -s "$FL_TMP/page.err" ]; then
		not_ok "man -l $name renders without a warning" "$(cat "$FL_TMP/page.err")"
		continue
	fi
	ok "man -l $name renders without a warning"
	case $name in
	*.5) want="NAME SYNOPSIS DESCRIPTION FILES EXAMPLES SEE ALSO" ;;
	*) want="NAME SYNOPSIS DESCRIPTION OPTIONS EXIT STATUS FILES EXAMPLES SEE ALSO" ;;
	esac
	is "$name: sections $want" "$(grep -E '^[A-Z][A-Z ]+$' "$FL_TMP/page.txt" | tr '\n' ' ' | sed 's/ $//')" "$want"
done
MANWIDTH=80 man -l "$man1/faultline-report.1" >"$FL_TMP/page.txt" 2>/dev/null
if grep -qE '^       -w, --wide$' "$FL_TMP/page.txt" && grep -qE '^       --fidelity$' "$FL_TMP/page.txt"; then
	ok "faultline-report(1): each option a paragraph of OPTIONS"
else
	not_ok "faultline-report(1): each option a paragraph of OPTIONS" "$(sed -n '/^OPTIONS/,/^EXIT/p' "$FL_TMP/page.txt")"
fi
MANWIDTH=80 man -l "$man1/faultline-replay.1" >"$FL_TMP/page.txt" 2>/dev/null
if grep -qE '^ +writer_scale +percent, default 100' "$FL_TMP/page.txt"; then
	ok "faultline-replay(1) lists the knobs"
else
	not_ok "faultline-replay(1) lists the knobs" "$(head -n 40 "$FL_TMP/page.txt")"
fi
MANWIDTH=80 man -l "$dest/opt/fl/share/man/man5/faultline-store.5" >"$FL_TMP/page.txt" 2>/dev/null
if grep -qE 'CREATE TABLE outcome_rows' "$FL_TMP/page.txt" &&
	grep -qE 'CREATE VIEW outcomes' "$FL_TMP/page.txt"; then
	ok "faultline-store(5) holds the schema"
else
	not_ok "faultline-store(5) holds the schema" "$(head -n 40 "$FL_TMP/page.txt")"
fi
comp=$dest/opt/fl/share/bash-completion/completions/faultline
if [ -f "$comp" ] && bash -n "$comp"; then ok "bash completion installed"; else
	not_ok "bash completion installed" "$(ls -R "$dest" 2>&1 | head -n 40)"; fi

done_testing
