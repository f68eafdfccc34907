#!/bin/bash
# faultline export --format chrome-trace: the replayed timeline of a bundled
# trace as Chrome Trace Event JSON, checked against the format's required
# fields (ph, ts, pid, tid, name; dur for "X"; one "s" and one "f" per flow
# id) and against the store's numbers, by python3's json module.
. "$FL_TOP/tests/lib.sh"

cd "$FL_TMP" || exit 1
if ! command -v python3 >/dev/null 2>&1; then
	skip "chrome-trace export" "python3 is not installed (scripts/install-deps installs it)"
	done_testing
	exit
fi
"$FAULTLINE" replay "$FL_TOP/traces/x86_64/node-gc" -s all -o n.db >/dev/null 2>&1 &&
"$FAULTLINE" replay "$FL_TOP/traces/x86_64/node-gc" -s spf --set writer_scale=150 \
	--set jitter_ns=500 --seed 7 -o n.db >/dev/null 2>&1
[ "$(sqlite3 n.db 'select count(*) from runs')" = 5 ] && ok "replay node-gc: 5 runs" ||
	not_ok "replay node-gc: 5 runs"

# check.py FILE RUN: the format's rules, then this run's numbers from n.db.
cat >check.py <<'PY'
import json, sqlite3, sys
from collections import defaultdict
path, run = sys.argv[1], int(sys.argv[2])
frm = float(sys.argv[3]) if len(sys.argv) > 3 else None
to = float(sys.argv[4]) if len(sys.argv) > 4 else None
doc = json.load(open(path))
evs = doc["traceEvents"]
bad = []
def fail(msg, e=None):
    if len(bad) < 5:
        bad.append(msg + ("" if e is None else ": " + json.dumps(e)))
for e in evs:
    for k in ("ph", "ts", "pid", "tid", "name"):
        if k not in e:
            fail("no " + k, e)
    if not isinstance(e.get("pid"), int) or not isinstance(e.get("tid"), int):
        fail("pid/tid not integers", e)
    if not isinstance(e.get("ts"), (int, float)):
        fail("ts not a number", e)
    if e.get("ph") not in ("X", "M", "s", "f"):
        fail("unexpected ph", e)
    if e.get("ph") == "X" and (not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0):
        fail("X without a dur >= 0", e)
print("required fields:", "; ".join(bad) or "ok")
# flows: one s and one f per id, same name and cat; each end inside a slice
# of its own track (a flow binds to the slice that encloses it).
slices = defaultdict(list)
for e in evs:
    if e["ph"] == "X":
        slices[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"], e))
flows = defaultdict(dict)
for e in evs:
    if e["ph"] in "sf":
        if e["ph"] in flows[e.get("id")]:
            fail("two flow events %s for one id" % e["ph"], e)
        flows[e.get("id")][e["ph"]] = e
bad = []
for fid, d in flows.items():
    if set(d) != {"s", "f"}:
        fail("flow id %s without both ends" % fid)
        continue
    if (d["s"]["name"], d["s"].get("cat")) != (d["f"]["name"], d["f"].get("cat")):
        fail("flow id %s: ends differ in name or cat" % fid)
    for ph, want in (("s", "writer"), ("f", "fault")):
        e = d[ph]
        if not any(a <= e["ts"] <= b and x.get("cat", "").startswith(want)
                   for a, b, x in slices[(e["pid"], e["tid"])]):
            fail("flow %s end not inside a %s slice of its track" % (ph, want), e)
print("flows:", "; ".join(bad) or "ok", len(flows))
# a track's slices nest, faults, lock waits and writer windows alike: each
# ends by the end of the slice it starts in (Perfetto drops one that does not)
bad = []
for k, v in slices.items():
    open_ends = []
    for a, b, x in sorted(v, key=lambda s: (s[0], -(s[1] - s[0]))):
        while open_ends and open_ends[-1][0] <= a + 1e-9:
            open_ends.pop()
        if open_ends and b > open_ends[-1][0] + 1e-9:
            fail("on track %s, %s ends past %s" % (k, x["name"], open_ends[-1][1]), x)
        open_ends.append((b, x["name"]))
print("nesting:", "; ".join(bad) or "ok")
# against the store
db = sqlite3.connect("n.db")
faults = [e for e in evs if e["ph"] == "X" and e.get("cat", "").startswith("fault")]
if frm is None:
    n, nw = db.execute("select count(*), count(writer_id) from outcomes where run_id = ?", (run,)).fetchone()
    print("fault slices = outcomes:", len(faults) == n, len(faults), n)
    print("flows = aborts with a writer:", len(flows) == nw, len(flows), nw)
    fb = sum(1 for e in faults if e["args"]["fell_back"])
    nfb = db.execute("select count(*) from outcomes where run_id = ? and fell_back", (run,)).fetchone()[0]
    print("fell back slices:", fb == nfb and all(e["name"].endswith("-> mmap_lock") == e["args"]["fell_back"] for e in faults))
    waits = sum(1 for e in evs if e["ph"] == "X" and e["name"] == "mmap_lock wait")
    nwt = db.execute("select count(*) from outcomes where run_id = ? and lock_wait > 0", (run,)).fetchone()[0]
    print("lock wait slices:", waits == nwt, waits, nwt)
    # named by the outcome: the counter (else the path), the reason when it
    # is not "ok", "-> mmap_lock" when the fault fell back
    names = {e["args"]["fault_id"]: e["name"] for e in faults}
    want = {f: (c or p) + ("" if r == "ok" else " (%s)" % r) + (" -> mmap_lock" if fb else "")
            for f, c, p, r, fb in db.execute("select fault_id, counter, path, reason, fell_back"
                                              " from outcomes where run_id = ?", (run,))}
    print("names from the outcomes:", names == want, sorted({n for n in names.values()})[:3])
    lat = {e["args"]["fault_id"]: e["args"]["latency_ns"] for e in faults}
    same = all(lat.get(f) == l for f, l in db.execute("select fault_id, latency from outcomes where run_id = ?", (run,)))
    print("latencies as stored:", same)
else:
    # faults meet the window; a writer may lie outside it when a flow
    # leaves it for a fault inside
    out = [e for e in faults if not (e["ts"] + e["dur"] >= frm - 1e-6 and e["ts"] <= to + 1e-6)]
    print("window:", not out and len(faults) > 0, len(faults))
    # the same slices as the whole run's export draws meeting the window
    whole = {e["args"]["fault_id"]: (e["ts"], e["dur"]) for e in json.load(open(sys.argv[5]))["traceEvents"]
             if e["ph"] == "X" and e.get("cat", "").startswith("fault")
             and e["ts"] + e["dur"] >= frm - 1e-6 and e["ts"] <= to + 1e-6}
    mine = {e["args"]["fault_id"]: (e["ts"], e["dur"]) for e in faults}
    print("window as the whole run:", mine == whole, sorted(set(mine) ^ set(whole))[:3])
meta = [e for e in evs if e["ph"] == "M"]
pids = {e["pid"] for e in meta if e["name"] == "process_name"}
tids = {e["tid"] for e in meta if e["name"] == "thread_name"}
want = {r[0] for r in db.execute("select distinct max(pid, 0) from threads t join runs r on r.trace_id = t.trace_id and r.run_id = ?", (run,))}
wtids = {r[0] for r in db.execute("select tid from threads t join runs r on r.trace_id = t.trace_id and r.run_id = ?", (run,))}
print("a process per pid, a thread per tid:", pids == want and tids == wtids)
labels = {e["pid"]: e["args"]["labels"] for e in meta if e["name"] == "process_labels"}
print("labels:", sorted(set(labels.values())))
# Perfetto UI reads no process metadata but the name: it holds the run too
names = [e for e in meta if e["name"] == "process_name"]
print("process names hold the run:", len(names) > 0 and
      all(e["args"]["name"].endswith(") " + labels.get(e["pid"], "?")) for e in names))
PY

check() { python3 check.py "$@" 2>&1; }
line() { printf '%s\n' "$out" | grep -F -- "$1"; }

# run 2 (pervma): successes and retries; 4 (spf-mmseq): aborts; 5: knobs
for run in 2 4 5; do
	expect_ok "run $run: export -o FILE" export n.db --format chrome-trace --run $run -o r$run.json
	is "... says where, and how to open it" "$FL_ERR" \
		"wrote r$run.json: open it in https://ui.perfetto.dev or chrome://tracing"
	out=$(check r$run.json $run)
	is "run $run: every event has ph, ts, pid, tid, name; X a dur" "$(line 'required fields:')" \
		"required fields: ok"
	is "run $run: each flow id has one s and one f, inside a writer and a fault" \
		"$(line 'flows:' | cut -d' ' -f1-2)" "flows: ok"
	is "run $run: a thread's slices nest (faults, lock waits, writers)" "$(line 'nesting:')" "nesting: ok"
	is "run $run: a fault slice per outcome" "$(line 'fault slices' | cut -d' ' -f1-5)" \
		"fault slices = outcomes: True"
	is "run $run: a flow per abort naming its writer" "$(line 'flows =' | cut -d' ' -f1-7)" \
		"flows = aborts with a writer: True"
	is "run $run: fallbacks named '-> mmap_lock'" "$(line 'fell back slices:')" \
		"fell back slices: True"
	is "run $run: a lock wait slice per waiting fault" "$(line 'lock wait slices:' | cut -d' ' -f1-4)" \
		"lock wait slices: True"
	is "run $run: each fault slice named by its counter, reason and fallback" \
		"$(line 'names from' | cut -d' ' -f1-5)" "names from the outcomes: True"
	is "run $run: latencies as stored" "$(line 'latencies')" "latencies as stored: True"
	is "run $run: a process per pid, a thread per tid" "$(line 'a process per')" \
		"a process per pid, a thread per tid: True"
done
is "flows exist on spf-mmseq (run 4)" "$(sqlite3 n.db 'select count(writer_id) > 100 from outcomes where run_id = 4')" 1
out=$(check r5.json 5)
is "run 5: the label names strategy, profile, seed and the non-default knobs" "$(line 'labels:')" \
	"labels: ['run 5 spf v12, seed 7, knobs writer_scale=150 jitter_ns=500']"
is "run 5: each process name holds the run's label" "$(line 'process names hold')" \
	"process names hold the run: True"
out=$(check r4.json 4)
is "run 4: default knobs are not listed" "$(line 'labels:')" "labels: ['run 4 spf-mmseq, seed 0']"
is "run 4: each process name holds the run's label (Perfetto UI shows no other)" \
	"$(line 'process names hold')" "process names hold the run: True"
grep -q '"name":"vma_lock_success","cat":"fault"' r2.json &&
	grep -q '"name":"vma_lock_retry (no anon_vma) -> mmap_lock","cat":"fault,fallback"' r2.json &&
	ok "a success slice is named by its counter, a retry by counter, reason and fallback" ||
	not_ok "a success slice is named by its counter, a retry by counter, reason and fallback"
grep -q '"name":"SPF_ABORT_PTE_MAP_LOCK_SEQ1 (mmap_seq changed before the PTL) -> mmap_lock"' r4.json &&
	ok "an abort slice is named by counter, reason and fallback" ||
	not_ok "an abort slice is named by counter, reason and fallback"
grep -q '"name":"mmap_lock write: munmap","cat":"writer"' r4.json &&
	ok "writer windows are slices named by their call" ||
	not_ok "writer windows are slices named by their call"

expect_ok "run 4 to stdout, a 100ms..200ms window" export n.db --format chrome-trace --run 4 \
	--from 100ms --to 0.2s
printf '%s\n' "$FL_OUT" >w.json
out=$(check w.json 4 100000 200000 r4.json)
is "window: every fault slice meets it" "$(line 'window:' | cut -d' ' -f1-2)" "window: True"
is "window: the fault slices of the whole run's file that meet it" \
	"$(line 'window as' | cut -d' ' -f1-6)" "window as the whole run: True"
is "window: the format holds" "$(line 'required fields:')" "required fields: ok"
is "window: flows still whole" "$(line 'flows:' | cut -d' ' -f1-2)" "flows: ok"
# 223.18 ms: a fault waits on mmap_lock past the window's start, but its
# thread's next fault comes, and ends, before it: cut there, as in the
# whole run's file, the first fault meets no part of the window.
expect_ok "run 4, a 20us window" export n.db --format chrome-trace --run 4 \
	--from 223180us --to 223200us -o w2.json
out=$(check w2.json 4 223180 223200 r4.json)
is "20us window: the fault slices of the whole run's file that meet it" \
	"$(line 'window as' | cut -d' ' -f1-6)" "window as the whole run: True"
small=$(stat -c %s w.json) big=$(stat -c %s r4.json)
[ "$small" -lt $((big / 2)) ] && ok "window: a smaller file ($small < $big bytes)" ||
	not_ok "window: a smaller file" "$small vs $big bytes"

expect_ok "every run in one file" export n.db --format chrome-trace -o all.json
is "... one process per run and pid, apart" \
	"$(python3 -c 'import json; print(len({e["pid"] for e in json.load(open("all.json"))["traceEvents"]}))')" \
	"$(sqlite3 n.db 'select count(*) from (select distinct r.run_id, t.pid from runs r join threads t using (trace_id))')"

expect_fail "--from without a unit" 2 "--from takes a time since the trace's start with a unit" \
	export n.db --format chrome-trace --from 100
expect_fail "--to before --from" 2 "--to must be after --from" \
	export n.db --format chrome-trace --from 2s --to 1s
expect_fail "--table with chrome-trace" 2 "drop --table" \
	export n.db --format chrome-trace --table runs
expect_fail "--from with csv" 2 "go with --format chrome-trace" export n.db --table runs --from 1ms
expect_fail "no run 99" 1 "no run 99" export n.db --format chrome-trace --run 99 -o x.json
[ ! -e x.json ] && [ ! -e x.json.tmp ] && ok "a failed export leaves no file" ||
	not_ok "a failed export leaves no file"
expect_fail "into a directory that does not exist" 1 "nodir/t\.json: cannot create it" \
	export n.db --format chrome-trace -o nodir/t.json

done_testing
