#!/bin/bash
# docs/design.md is the document the code's comments cite as
# "docs/design.md §N": every such reference must name a section it has, no
# reference may point at a document outside the tree, and every file the
# design names must exist.
. "$FL_TOP/tests/lib.sh"

cd "$FL_TOP" || exit 1
design=docs/design.md
sections=$(sed -n 's/^## §\([0-9][0-9]*\) .*/\1/p' "$design" | tr '\n' ' ')
is "the design's sections are numbered 1 to 9 in order" "$sections" "1 2 3 4 5 6 7 8 9 "

# References, as "file:line:§N" or "§N-M" (a range names both ends).
refs=$(git ls-files -- '*.c' '*.h' '*.md' '*.sh' '*.sql' | xargs grep -on 'docs/design\.md §[0-9][0-9]*\(-[0-9][0-9]*\)\?')
bad=""
n=0
while IFS= read -r r; do
	[ -n "$r" ] || continue
	n=$((n + 1))
	range=${r##*§}
	for s in ${range%-*} ${range#*-}; do
		case " $sections " in
		*" $s "*) ;;
		*) bad="$bad$r (no §$s)"$'\n' ;;
		esac
	done
done <<<"$refs"
is "every docs/design.md §N reference names a section ($n references)" "$bad" ""
[ "$n" -ge 20 ] && ok "the code cites the design ($n references)" ||
	not_ok "the code cites the design" "only $n references found: is the pattern right?"

stale=$(git ls-files -- '*.c' '*.h' '*.md' '*.sh' '*.sql' | xargs grep -n 'DESIGN[ ]§')
is "no reference to a design document outside the tree" "$stale" ""

# Every path of the tree the design names (in backquotes, under one of the
# tree's folders: not /proc or the kernel's sources) exists.
missing=""
for p in $(grep -o '`[a-z_.-]*/[A-Za-z0-9_./*-]*`' "$design" | tr -d '`' | sort -u); do
	[ -n "${p%%/*}" ] && [ -d "${p%%/*}" ] || continue
	case $p in
	*'*'*) compgen -G "$p" >/dev/null || missing="$missing $p" ;;
	*/) [ -d "$p" ] || missing="$missing $p" ;;
	*) [ -e "$p" ] || missing="$missing $p" ;;
	esac
done
is "every file the design names exists" "$missing" ""
done_testing
