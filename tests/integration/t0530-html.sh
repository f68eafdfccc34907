#!/bin/bash
# faultline report --html: one self-contained page, loaded in Debian's
# headless chromium: no console message (errors, blocked loads), the
# expected elements present, a screenshot that is not blank.
. "$FL_TOP/tests/lib.sh"

cd "$FL_TMP" || exit 1
"$FAULTLINE" replay "$FL_TOP/traces/x86_64/node-gc" -s all -o n.db >/dev/null 2>&1
expect_ok "report --html" report --html page.html n.db
is "... says where it wrote" "$FL_ERR" "wrote page.html"

# Self-contained: no script, nothing fetched, every chart an inline SVG.
for bad in '<script' 'src=' 'href=' 'http:' 'https:' '@import' 'url('; do
	if grep -qiF -- "$bad" page.html; then not_ok "no '$bad' in the page"; else
		ok "no '$bad' in the page"; fi
done
for id in runs-table causes-chart time-chart latency-chart vma-map-chart; do
	if grep -q "id=\"$id\"" page.html; then ok "the page has #$id"; else
		not_ok "the page has #$id"; fi
done
is "a cause bar segment per cause of each run" "$(grep -c '<rect class="cause"' page.html)" \
	"$(sqlite3 n.db 'select count(*) from cause_counts')"
is "a run row per run" "$(grep -c '^<tr><td>' page.html)" "$(sqlite3 n.db 'select count(*) from runs')"
expect_ok "report --html --run 2" report --html one.html --run 2 n.db
is "... one run" "$(grep -c '^<tr><td>' one.html)" 1
expect_fail "--html into a directory that does not exist" 1 "nodir/p\.html: cannot create it: No such file or directory" \
	report --html nodir/p.html n.db

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	for t in "no console messages" "the browser's DOM has the charts" "the screenshot is not blank"; do
		skip "$t" "chromium is not installed (scripts/install-deps installs it)"
	done
	done_testing
	exit
fi
chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$FL_TMP/profile" --enable-logging=stderr --v=0 "$@"
}
# console FILE: the page's console messages, as chromium logs them.
console() {
	chrome --dump-dom "file://$FL_TMP/$1" 2>"$1.log" >"$1.dom"
	grep ':CONSOLE' "$1.log"
}

# The detector detects: a console.error and a blocked load are both seen.
printf '<!DOCTYPE html><html><body><script>console.error("control")</script></body></html>\n' >ctl1.html
printf '%s\n' "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head><body><img src=\"http://192.0.2.1/x.png\"></body></html>" >ctl2.html
if console ctl1.html | grep -q control && console ctl2.html | grep -q 'Content Security Policy'; then
	ok "control: chromium reports console errors and blocked loads"
else
	not_ok "control: chromium reports console errors and blocked loads" "$(tail -n 5 ctl1.html.log)"
fi

msgs=$(console page.html)
is "no console messages" "$msgs" ""
missing=""
for want in 'id="causes-chart"' 'id="time-chart"' 'id="latency-chart"' 'id="vma-map-chart"' \
	'class="cause"' 'class="series"' 'class="vma"'; do
	grep -qF "$want" page.html.dom || missing="$missing $want"
done
is "the browser's DOM has the charts" "$missing" ""

chrome --screenshot="$FL_TMP/page.png" --window-size=1000,2000 "file://$FL_TMP/page.html" >/dev/null 2>&1
printf '<!DOCTYPE html><html><body></body></html>\n' >blank.html
chrome --screenshot="$FL_TMP/blank.png" --window-size=1000,2000 "file://$FL_TMP/blank.html" >/dev/null 2>&1
page=$(stat -c %s page.png 2>/dev/null || echo 0)
blank=$(stat -c %s blank.png 2>/dev/null || echo 0)
if [ "$blank" -gt 0 ] && [ "$page" -gt $((blank * 4)) ]; then
	ok "the screenshot is not blank ($page bytes, a blank page $blank)"
else
	not_ok "the screenshot is not blank" "page.png $page bytes, blank.png $blank bytes"
fi

done_testing
