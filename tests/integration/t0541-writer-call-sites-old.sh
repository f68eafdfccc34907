#!/bin/bash
# Traces from recorders before the mm calls' call sites (provider table 4)
# and from the other dialects still replay, with every call site unknown:
# NULL in the writers table, "-" in report --by writer.
. "$FL_TOP/tests/lib.sh"

for t in fl-mmchurn mmchurn; do
	db=$FL_TMP/$t.db
	expect_ok "$t replays" replay -s pervma -o "$db" "$FL_TOP/traces/x86_64/$t"
	is "... its writers have no call site" \
		"$(sqlite3 "$db" "SELECT count(*) > 0, count(call_site) FROM writers")" "1|0"
	expect_ok "... report --by writer" report --by writer --top 0 "$db"
	is "... every call site is -" \
		"$(printf '%s\n' "$FL_OUT" | awk 'NR > 2 && $1 ~ /^[0-9]+$/ && $NF != "-"' | head -n 3)" ""
done
done_testing
