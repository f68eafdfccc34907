#!/bin/bash
# The bash completion: commands, options, strategies, profiles, knobs,
# views and run ids read from the database, asked of the faultline being
# completed.
. "$FL_TOP/tests/lib.sh"

cd "$FL_TMP" || exit 1

is "commands" "$(complete_words re)" "record replay report"
is "a typed command" "$(complete_words dif)" "diff"
is "options of report" "$(complete_words report --w)" "--wide"
is "options of replay" "$(complete_words replay --ag)" "--again"
is "replay --replace" "$(complete_words replay --rep)" "--replace"
# Only a command's own options, not those its help's prose mentions
# (info's help names perf's --all and --to-ctf).
is "options of info: its own only" "$(complete_words info --)" "--abs-time --format --help"
is "options of record: its own only" "$(complete_words record --s)" "--snapshot --snapshot-size"
is "strategies" "$(complete_words replay -s '')" "all classic pervma spf spf-mmseq"
is "profiles" "$(complete_words replay --profile 6.1)" "6.10 6.15+"
is "spf profiles" "$(complete_words replay -p v1)" "v10 v10-ppc-intended v11 v11-ppc-intended v12 v12-ppc-intended"
is "knobs" "$(complete_words replay --set writer)" "writer_scale="
is "every knob" "$(complete_words replay --set '' | wc -w)" "$("$FAULTLINE" help knobs | grep -oE '^  [a-z_]+ ' | sort -u | wc -l)"
is "report views" "$(complete_words report --by t)" "thread time"
is "diff tables" "$(complete_words diff --by t)" "thread total"
is "export tables" "$(complete_words export --table cause)" "cause_counts"
is "help topics" "$(complete_words help kn)" "knobs"

# Run ids from the database on the line, or faultline.db.
if "$FAULTLINE" replay "$FL_TOP/traces/x86_64/mmchurn" -s all -o r.db >/dev/null 2>&1; then
	is "run ids of the DB on the line" "$(complete_words report r.db --run '')" "1 2 3 4"
	is "diff: run ids after the DB" "$(complete_words diff r.db '')" "1 2 3 4"
	cp r.db faultline.db
	is "run ids of faultline.db" "$(complete_words tui --run 3)" "3"
else
	not_ok "replay mmchurn for the run ids"
fi

done_testing
