#!/bin/bash
# faultline-test: valgrind-quick (one of the tests CI runs under valgrind)
# faultline report --html: one self-contained page, loaded in Debian's
# headless chromium: no console message (errors, blocked loads), the
# expected elements present, a screenshot that is not blank, in which
# axis ticks and legends render.
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
is "a cause bar segment per cause that fell back, of each run" \
	"$(grep -c '<rect class="cause"' page.html)" \
	"$(sqlite3 n.db 'select count(*) from cause_counts where fell_back > 0')"
is "no segment for the outcomes that did not fall back (no 'ok' mass)" \
	"$(grep '<rect class="cause"' page.html | grep -c 'spf_attempt / ok')" 0
is "a run row per run" "$(grep -c '^<tr><td>' page.html)" "$(sqlite3 n.db 'select count(*) from runs')"

# The charts, read as SVG (XML): axes with ticks and labelled units, a
# legend naming each run's profile, seed and non-default knobs, one colour
# per run apart from the causes', a <title> with exact values on every mark.
"$FAULTLINE" replay "$FL_TOP/traces/x86_64/node-gc" -s spf --set writer_scale=150 --seed 3 \
	-o n.db >/dev/null 2>&1
expect_ok "report --html, five runs" report --html page5.html n.db
cat >svg.py <<'PY'
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1]).read()
runs = int(sys.argv[2])
S = "{http://www.w3.org/2000/svg}"
def strip(e):
    for x in e.iter():
        x.tag = x.tag.split("}")[-1]
    return e
svgs = {}
for m in re.finditer(r"<svg .*?</svg>", page, re.S):
    e = strip(ET.fromstring(m.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)))
    svgs[e.get("id")] = e
def cls(e, c):
    return [x for x in e.iter() if c in (x.get("class") or "").split()]
for id in ("causes-chart", "time-chart", "latency-chart", "vma-map-chart"):
    e = svgs.get(id)
    if e is None:
        print(id, "missing"); continue
    ticks = cls(e, "tick")
    labels = ["".join(x.itertext()) for x in cls(e, "axis-label")]
    print(id, "ticks", len(ticks) >= 4, "labelled", all(t.strip() for x in ticks for t in x.itertext()),
          "units", all(re.search(r"\(.+\)", l) for l in labels) and len(labels) > 0)
    marks = [x for x in e.iter() if x.tag in ("rect", "circle", "polyline") and "legend" not in str(x.get("class"))
             and x.get("class") in ("cause", "vma", "vma-kind-band", "point", "series", "context")]
    print(id, "titles", len(marks) > 0 and all(x.find("title") is not None and x.find("title").text for x in marks))
for id in ("time-chart", "latency-chart"):
    e = svgs[id]
    items = cls(e, "legend-item")
    texts = ["".join(x.itertext()) for x in items]
    colors = [x.find("line").get("stroke") for x in items]
    series = [x.get("stroke") for x in cls(e, "series")]
    print(id, "legend", len(items) == runs, "colours", len(set(colors)) == runs and colors == series)
    print(id, "names", " | ".join(texts))
# latency: small multiples, a panel per run with its own line in its colour
# over the others' in grey, each panel with its axes
panels = cls(svgs["latency-chart"], "panel")
legend = [x.find("line").get("stroke") for x in cls(svgs["latency-chart"], "legend-item")]
print("latency panels", len(panels) == runs and all(
    [x.get("stroke") for x in cls(g, "series")] == [legend[i]] and
    len(cls(g, "context")) == runs - 1 and
    all(x.get("stroke") not in legend for x in cls(g, "context")) and
    len(cls(g, "x-axis")) == 1 and len(cls(g, "y-axis")) == 1 and
    "".join(cls(g, "panel-title")[0].itertext()).startswith("run ")
    for i, g in enumerate(panels)))
cause_colors = {x.get("fill") for x in cls(svgs["causes-chart"], "cause")}
print("run colours apart from cause colours", not (set(colors) & cause_colors))
# the y axis: more than its top and zero, round values
ys = ["".join(t.itertext()) for t in cls(svgs["time-chart"], "y-axis")[0].iter() if "tick" in str(t.get("class"))]
print("time y ticks", len(ys) >= 4, ys)
PY
if command -v python3 >/dev/null 2>&1; then
	out=$(python3 svg.py page5.html 5 2>&1)
	line() { printf '%s\n' "$out" | grep -F -- "$1"; }
	for id in causes-chart time-chart latency-chart vma-map-chart; do
		is "$id: ticks, each labelled, axis labels with units" "$(line "$id ticks")" \
			"$id ticks True labelled True units True"
		is "$id: every mark has a <title> with its values" "$(line "$id titles")" "$id titles True"
	done
	for id in time-chart latency-chart; do
		is "$id: a legend entry per run, a distinct colour per run" "$(line "$id legend")" \
			"$id legend True colours True"
	done
	is "latency-chart: a panel per run, its line in its colour over the others' in grey" \
		"$(line "latency panels")" "latency panels True"
	case "$(line "time-chart names")" in
	*"run 2 pervma 6.15+, seed 0"*"run 5 spf v12, seed 3, writer_scale=150"*) ok "the legend names profile, seed and non-default knobs" ;;
	*) not_ok "the legend names profile, seed and non-default knobs" "$(line "time-chart names")" ;;
	esac
	is "run colours apart from cause colours" "$(line "run colours apart")" \
		"run colours apart from cause colours True"
	case "$(line "time y ticks")" in
	"time y ticks True"*) ok "the time chart's y axis has ticks between 0 and the top" ;;
	*) not_ok "the time chart's y axis has ticks between 0 and the top" "$(line "time y ticks")" ;;
	esac
	grep -q 'class="vma-kind-band"' page5.html && grep -q '<text x="[0-9]*" y="[0-9]*">anon</text>' page5.html &&
		ok "the address-space strip shows VMA kinds, with a legend" ||
		not_ok "the address-space strip shows VMA kinds, with a legend"
else
	skip "the charts' axes, legends and titles" "python3 is not installed"
fi
# The strip's bands name their range, kind and file (from the trace read
# again); the widest boxes a visible label with kind and file name.
strip=$(sed -n '/id="vma-map-chart"/,/<\/svg>/p' page5.html)
contains "a VMA band's tooltip names its range, kind and file path" "$strip" \
	'<rect class="vma-kind-band"[^>]*><title>0x[0-9a-f]+-0x[0-9a-f]+ \([^)]*\) file /usr/bin/node: [0-9]+ faults'
contains "an anonymous band's tooltip names its kind" "$strip" \
	'<rect class="vma-kind-band"[^>]*><title>0x[0-9a-f]+-0x[0-9a-f]+ \([^)]*\) anon: [0-9]+ faults'
contains "a wide box is labelled with its kind and file name" "$strip" \
	'<g class="vma-label"><line [^>]*/><text [^>]*>file node<title>[^<]* file /usr/bin/node: '
labels=$(printf '%s\n' "$strip" | grep -c 'class="vma-label"')
if [ "$labels" -ge 5 ] && [ "$labels" -le 20 ]; then ok "1 to 4 labels for each of the 5 runs"; else
	not_ok "1 to 4 labels for each of the 5 runs" "labels: $labels"; fi
expect_ok "report --html --no-symbols" report --html nosym.html --no-symbols n.db
is "--no-symbols: the strip names no file" \
	"$(sed -n '/id="vma-map-chart"/,/<\/svg>/p' nosym.html | grep -c '/usr/bin/node')" 0

expect_ok "report --html --run 2" report --html one.html --run 2 n.db
is "... one run" "$(grep -c '^<tr><td>' one.html)" 1
expect_fail "--html into a directory that does not exist" 1 "nodir/p\.html: cannot create it: No such file or directory" \
	report --html nodir/p.html n.db

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	for t in "no console messages" "the browser's DOM has the charts" "the screenshot is not blank" \
		"the screenshot's colours" "the axis ticks render" "the legends render"; do
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
	'class="cause"' 'class="series"' 'class="vma"' 'class="tick"' 'class="legend-item"' \
	'class="axis-label"'; do
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
# The pixels: each run's colour is drawn (its swatch, legend and lines),
# and the page is not one flat colour.  A PNG decoder in a few lines of
# python3 (zlib, the five scanline filters), nothing to install.
#   png.py colours A.png '#rrggbb'...: width, height, how many colours, and
#     those of the colours given that fewer than 20 pixels have;
#   png.py diff A.png B.png: how many pixels differ, the first and last row.
cat >png.py <<'PY'
import struct, sys, zlib
def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for y in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([bytes(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows
if sys.argv[1] == "colours":
    w, h, rows = decode(sys.argv[2])
    colors = {}
    for r in rows:
        for px in r:
            colors[px] = colors.get(px, 0) + 1
    colors = {"#%02x%02x%02x" % tuple(k): v for k, v in colors.items()}
    print(w, h, len(colors), " ".join(c for c in sys.argv[3:] if colors.get(c, 0) < 20))
else:
    (w1, h1, r1), (w2, h2, r2) = decode(sys.argv[2]), decode(sys.argv[3])
    assert (w1, h1) == (w2, h2)
    ys = [y for y in range(h1) for x in range(w1) if r1[y][x] != r2[y][x]]
    print(len(ys), min(ys) if ys else -1, max(ys) if ys else -1)
PY
if command -v python3 >/dev/null 2>&1; then
	read -r pw ph ncolors missing <<<"$(python3 png.py colours page.png '#0072b2' '#d55e00' '#009e73' '#cc79a7' 2>&1)"
	is "the screenshot: 1000x2000" "$pw x $ph" "1000 x 2000"
	[ "${ncolors:-0}" -gt 50 ] && ok "the screenshot has many colours ($ncolors)" ||
		not_ok "the screenshot has many colours" "$ncolors"
	is "the screenshot shows each of the 4 runs' colours" "${missing:-}" ""
	# Ticks and legends render: the page drawn again with them hidden (a
	# style its policy allows) differs from it in their pixels, down the
	# charts; drawn again with a style that hides nothing, in none.
	shot() {
		sed "s#</head>#<style>$2{visibility:hidden}</style></head>#" page.html >"$1.html"
		chrome --screenshot="$FL_TMP/$1.png" --window-size=1000,2000 "file://$FL_TMP/$1.html" >/dev/null 2>&1
	}
	shot same '.no-such-class'
	shot noticks '.tick,.grid'
	shot nolegend '.legend,.legend-item'
	read -r n y0 y1 <<<"$(python3 png.py diff page.png same.png 2>&1)"
	is "control: the page drawn again, the same pixels" "$n" 0
	read -r n y0 y1 <<<"$(python3 png.py diff page.png noticks.png 2>&1)"
	if [ "${n:-0}" -gt 2000 ] 2>/dev/null && [ "$((y1 - y0))" -gt 1000 ]; then
		ok "the axis ticks render: $n pixels, rows $y0 to $y1"
	else
		not_ok "the axis ticks render" "pixels that differ without them, first and last row: $n $y0 $y1"
	fi
	read -r n y0 y1 <<<"$(python3 png.py diff page.png nolegend.png 2>&1)"
	if [ "${n:-0}" -gt 1000 ] 2>/dev/null && [ "$((y1 - y0))" -gt 500 ]; then
		ok "the legends render: $n pixels, rows $y0 to $y1"
	else
		not_ok "the legends render" "pixels that differ without them, first and last row: $n $y0 $y1"
	fi
else
	for t in "the screenshot's colours" "the axis ticks render" "the legends render"; do
		skip "$t" "python3 is not installed"
	done
fi

done_testing
