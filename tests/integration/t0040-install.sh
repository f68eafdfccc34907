#!/bin/bash
# make install puts the binary, one man page per command, faultline-store(5)
# and the bash completion under DESTDIR/PREFIX; each man page carries the
# command's own help text in the usual sections and renders with man -l.
. "$FL_TOP/tests/lib.sh"

dest=$FL_TMP/dest
if make -s -C "$FL_TOP" BUILD="$FL_BUILD" install PREFIX=/opt/fl DESTDIR="$dest" \
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
