#!/bin/bash
# make install puts the binary and one man page per command under
# DESTDIR/PREFIX, and each man page carries the command's own help text.
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
	usage=$("$FAULTLINE" help "$cmd" | head -n1)
	if [ -f "$page" ] && grep -qF -- "$usage" "$page"; then
		ok "man page faultline-$cmd(1) carries '$usage'"
	else
		not_ok "man page faultline-$cmd(1) carries '$usage'" "$(cat "$page" 2>&1 | head -n 20)"
	fi
done
[ -f "$dest/opt/fl/share/man/man1/faultline.1" ] && ok "man page faultline(1)" ||
	not_ok "man page faultline(1)"

done_testing
