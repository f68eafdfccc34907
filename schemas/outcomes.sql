-- faultline outcome store (docs/design.md §8): the contract between replay/ (which
-- writes it) and analyze/ + tui/ (which read it).
--
-- Version: PRAGMA user_version = 7 (2 added thread_times; 3 added losses,
-- traces.lost_records and traces.t_first_loss; 4 added writers.call_site;
-- 5 stores the outcomes compactly in outcome_rows, outcome_causes and
-- outcome_vmas, read through the view outcomes with version 4's columns;
-- 6 adds outcome_rows.handler, named through fault_handlers, and the view's
-- column handler; 7 adds outcome_causes.code, description and unplaced,
-- the cause table entry's own, and leaves the view as it was).
-- A reader refuses a database whose application_id is not faultline's, or
-- whose user_version is newer than the one it was built with; it reads
-- older ones (up to 4, outcomes is a table of the view's shape; up to 5, it
-- has no column handler, and report --by handler refuses them; up to 6, its
-- causes have no code, description or unplaced flag: the readers match the
-- reason's text instead, and show no description).  A replay adds runs only
-- to a database of its own version.  Any change to a table below bumps the
-- version.
--
-- One database holds many runs.  A trace is stored once (traces, threads,
-- writers, faults) however many runs replay it; each run adds one runs row,
-- one outcomes row per fault and its cause_counts.  `faultline replay` writes
-- everything of one invocation in one transaction, so a killed replay leaves
-- the database as it was.  WAL mode lets the TUI read while a replay writes.
--
-- Times are ns on the trace clock (CLOCK_MONOTONIC of the traced host).
-- Addresses are stored as signed 64-bit integers (SQLite has no unsigned
-- type): a kernel-half or high user address may read negative; readers
-- print them with printf('%x', ...) or cast in C.

PRAGMA application_id = 1179405873;	-- 0x464C4E31, "FLN1"
PRAGMA user_version = 7;

-- Free-form facts about the database itself: 'created_by' (tool version).
CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
);

-- One row per replayed trace.  A later replay of the same trace (same path,
-- dialect, event count and time span) reuses the row.
CREATE TABLE traces (
	trace_id	INTEGER PRIMARY KEY,
	path		TEXT NOT NULL,		-- as given on the command line
	dialect		TEXT NOT NULL,		-- perf-ctf, lttng-kernel, faultline
	tracer		TEXT NOT NULL,
	hostname	TEXT NOT NULL,
	kernel		TEXT NOT NULL,		-- release of the traced host
	arch		TEXT NOT NULL,		-- x86_64, ppc64le, '' unknown
	page_size	INTEGER NOT NULL,	-- bytes
	t_first		INTEGER NOT NULL,
	t_last		INTEGER NOT NULL,
	ctf_events	INTEGER NOT NULL,
	lost_events	INTEGER NOT NULL,	-- events lost: the CTF tracer's
						-- discarded events plus lost_records
	lost_packets	INTEGER NOT NULL,
	-- 1 when the trace has mmap_lock events: faults.gt is meaningful.
	has_ground_truth INTEGER NOT NULL,
	-- 1 when writer windows come from mmap_lock events, 0 from syscall spans.
	lock_windows	INTEGER NOT NULL,
	-- perf records lost from the recorder's ring buffers (faultline record)
	lost_records	INTEGER NOT NULL DEFAULT 0,
	-- From this time on the trace may lack events (the earliest loss; its
	-- start, or t_first when a loss does not say when): the model's layout
	-- and the ground truth can be wrong, so its faults have gt 'unknown'
	-- with gt_detail 'after loss'.  NULL: nothing was lost.
	t_first_loss	INTEGER
	-- `faultline merge` adds a last column to the databases it writes:
	--   content_hash TEXT: SHA-256 (hex) of the trace's rows (this row but
	--   trace_id, path and itself; its threads, writers and faults), NULL
	--   until a merge computes it.  A merge stores one copy of a trace per
	--   hash, whatever its path.  No reader needs it; it is not created
	--   here so that a replay's database keeps the columns it always had.
);

-- What the trace lost, one row per report of a loss: perf records lost from
-- a CPU's ring ('perf records'), events or whole packets a CTF stream's
-- tracer discarded ('events', 'packets').
CREATE TABLE losses (
	trace_id	INTEGER NOT NULL REFERENCES traces,
	loss_id		INTEGER NOT NULL,	-- order in the trace, from 1
	what		TEXT NOT NULL,		-- 'perf records', 'events', 'packets', or
						-- 'perf records (inferred)': a syscall cut in
						-- half in a trace that does not record perf's
						-- losses; count is then a lower bound
	stream		INTEGER NOT NULL,	-- perf records: the CPU; else the CTF stream id
	cpu		INTEGER NOT NULL,	-- -1 unknown
	count		INTEGER NOT NULL,
	t_begin		INTEGER,		-- NULL when the trace does not say
	t_end		INTEGER,
	PRIMARY KEY (trace_id, loss_id)
) WITHOUT ROWID;

CREATE TABLE threads (
	trace_id	INTEGER NOT NULL REFERENCES traces,
	tid		INTEGER NOT NULL,
	pid		INTEGER NOT NULL,	-- -1 unknown
	comm		TEXT NOT NULL,		-- '' unknown
	faults		INTEGER NOT NULL,
	gt_fallbacks	INTEGER NOT NULL,	-- faults the kernel ran under mmap_lock
	mm_calls	INTEGER NOT NULL,
	PRIMARY KEY (trace_id, tid)
);

-- Every mmap_lock writer: each traced mm_call, and write holds the trace
-- shows with no traced call around them (exec, mlock, stack growth...).
CREATE TABLE writers (
	trace_id	INTEGER NOT NULL REFERENCES traces,
	writer_id	INTEGER NOT NULL,	-- order of appearance, from 1
	tid		INTEGER NOT NULL,
	pid		INTEGER NOT NULL,
	call		TEXT NOT NULL,		-- mmap munmap mprotect mremap brk madvise
						-- mlock mlock2 munlock mlockall munlockall
						-- pkey_mprotect,
						-- 'fork' (dup_mmap()'s write hold of
						-- the parent's mm), or 'untraced'
						-- (another write hold, no call)
	args		TEXT NOT NULL,		-- JSON array of the call's arguments
	ret		INTEGER,		-- NULL when the exit is not in the trace
	t_enter		INTEGER,		-- syscall span; NULL when not traced
	t_exit		INTEGER,
	-- mmap_lock write window: start_locking, acquired, released (or the
	-- downgrade to read).  NULL when the trace has no mmap_lock events:
	-- the window is then the syscall span.
	t_lock_start	INTEGER,
	t_lock_acquired	INTEGER,
	t_lock_released	INTEGER,
	vmas_written	INTEGER NOT NULL,	-- VMAs vma_start_write() would lock
	-- The user address that made the call: the return address into the
	-- caller (faultline record, schemas/faultline-events.md).  NULL when
	-- unknown: untraced, another dialect, an older recorder.
	call_site	INTEGER,
	PRIMARY KEY (trace_id, writer_id)
);

-- Every user page fault of the trace, with what the trace recorded about
-- it and, where the trace has mmap_lock events, the kernel's own answer.
CREATE TABLE faults (
	trace_id	INTEGER NOT NULL REFERENCES traces,
	fault_id	INTEGER NOT NULL,	-- order in the trace, from 1
	t		INTEGER NOT NULL,
	t_end		INTEGER,		-- the fault's minor/major event; NULL none
	tid		INTEGER NOT NULL,
	pid		INTEGER NOT NULL,
	cpu		INTEGER NOT NULL,
	address		INTEGER NOT NULL,
	ip		INTEGER NOT NULL,
	access		TEXT NOT NULL,		-- 'read', 'write', 'exec', plus ',prot'
	arch_code	INTEGER NOT NULL,	-- x86 error_code / ppc64 DSISR
	major		INTEGER,		-- 1 major, 0 minor, NULL no end event
	-- Ground truth (docs/design.md §7), from the faulting thread's mmap_lock
	-- events between the fault and its end:
	--   'vma'      handled under the per-VMA lock (no mmap_lock, or only the
	--              anon_vma trylock of __vmf_anon_prepare(), released
	--              before the end);
	--   'fallback' handle_mm_fault() ran under mmap_lock;
	--   'unknown'  no mmap_lock events in the trace, or no end event.
	gt		TEXT NOT NULL,
	-- Finer ground truth: 'anon_vma trylock' (vma), 'trylock failed'
	-- (a failed trylock before the lock: contended), 'anon_vma retry'
	-- (__vmf_anon_prepare's trylock failed, then lock_mmap), 'stack
	-- growth' (a write lock inside the fault), 'completed unlocked' (a
	-- shared VMA's fault that fell back and dropped the lock before its
	-- end: fault_dirty_shared_page()), '' otherwise.
	gt_detail	TEXT NOT NULL,
	-- A fallback's wait for mmap_lock, ns: each acquisition's, from its
	-- first start_locking (failed trylocks included) to acquire_returned,
	-- summed; not the time between a release and the next request (a
	-- VM_FAULT_RETRY's IO).  0 when it did not wait; NULL not a fallback.
	gt_lock_wait	INTEGER,
	PRIMARY KEY (trace_id, fault_id)
) WITHOUT ROWID;	-- one b-tree, keyed as it is read: a row per fault is the bulk

-- One replay: a strategy with its profile and knobs over one trace.
CREATE TABLE runs (
	run_id		INTEGER PRIMARY KEY,
	trace_id	INTEGER NOT NULL REFERENCES traces,
	strategy	TEXT NOT NULL,		-- classic, pervma, spf, spf-mmseq
	profile		TEXT NOT NULL,		-- e.g. '6.15+' for pervma; '' none
	knobs		TEXT NOT NULL,		-- JSON object of every knob's value
	seed		INTEGER NOT NULL,
	tool_version	TEXT NOT NULL,
	created_at	TEXT NOT NULL,		-- UTC, ISO 8601
	wall_ms		INTEGER NOT NULL,	-- replay time of the invocation
	cost_table	TEXT NOT NULL,		-- JSON: calibrated handler costs (ns)
	faults		INTEGER NOT NULL,
	fallbacks	INTEGER NOT NULL,	-- predicted to run under mmap_lock
	unplaced	INTEGER NOT NULL	-- faults the mm model could not place
);

-- What each strategy predicts for each fault: the bulk of a database (a
-- row per fault and run), so stored compactly.  Each row holds small
-- integers only; its repeated texts and the VMA bounds resolve through two
-- per-run dictionaries, and the view `outcomes` below joins them back into
-- the columns every reader knows.  Per run, not one dictionary for the
-- whole database: a run's rows and its dictionaries are written, copied
-- (a replay into a database another replay made meanwhile, `faultline
-- merge`) and deleted (`--replace`) together, by run_id like every other
-- per-run table, so no code is shared between runs and none is
-- renumbered.  A run uses a few dozen causes and a few thousand VMAs at
-- most, next to its hundreds of thousands of rows: the dictionaries hold
-- their texts as texts.  One table of causes (path, counter, reason
-- together), not one per column: the three go together (a counter belongs
-- to one path), so one code a row, one join.  Codes count from 1 in the
-- order the run first uses them (deterministic, as the rows are).  Each
-- row also keeps what the strategy's cause table (replay/cause.h, printed
-- by `faultline help causes`) says of its entry, so that a reader can say
-- what a cause means, and find the unplaced faults, without the binary
-- that wrote it or a match on the reason's text.
CREATE TABLE outcome_causes (
	run_id		INTEGER NOT NULL REFERENCES runs,
	cause_id	INTEGER NOT NULL,
	-- Where handle_mm_fault() finally ran: 'vma_lock', 'speculative',
	-- 'mmap_lock'.
	path		TEXT NOT NULL,
	-- The kernel's counter for the attempt: vma_lock_success, _abort,
	-- _retry, _miss; spf_* / SPF_ABORT_* for the speculative strategies;
	-- 'mmap_lock' for classic; '' when no attempt was made.
	counter		TEXT NOT NULL,
	-- The finer reason: 'ok', 'write-locked', 'no anon_vma', 'no
	-- map_pages', 'uffd', 'swap IO', 'file IO', 'folio locked', 'access
	-- error', 'no VMA', 'stack growth', 'unplaced: inferred extent', ...
	reason		TEXT NOT NULL,
	-- The entry's code (fl_cause.code): unique in its strategy's table,
	-- from 1; the engine's own causes from 1000.  0: the outcome has no
	-- entry (a row written through the view).  Codes of different
	-- strategies are different causes: read them with runs.strategy.
	code		INTEGER NOT NULL DEFAULT 0,
	-- The entry's one line for a kernel engineer: which kernel function
	-- decides it, and what it does then.  '': no entry.
	description	TEXT NOT NULL DEFAULT '',
	-- 1 when the entry means the model could not place the fault in a VMA
	-- it knew (FL_CAUSE_UNPLACED): no layout known at the address, an
	-- inferred extent, or no VMA holds the address.  The report's list of
	-- faults outside every VMA the model knew reads it.
	unplaced	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, cause_id),
	UNIQUE (run_id, path, counter, reason)
) WITHOUT ROWID;

-- The distinct VMAs a run placed its faults in (same bounds and kind: one
-- row).  A fault not placed has no row (outcome_rows.vma_id NULL).
CREATE TABLE outcome_vmas (
	run_id		INTEGER NOT NULL REFERENCES runs,
	vma_id		INTEGER NOT NULL,
	vma_start	INTEGER,
	vma_end		INTEGER,
	vma_kind	TEXT NOT NULL,		-- anon file shmem stack heap special
	PRIMARY KEY (run_id, vma_id),
	UNIQUE (run_id, vma_start, vma_end, vma_kind)
) WITHOUT ROWID;

-- The handlers handle_pte_fault() dispatches a fault to, as the replay
-- models them (enum fl_handler, replay/strategy.h): the code stored in
-- outcome_rows.handler and its name, the one fl_handler_name() gives and
-- the runs' cost_table and tally_handlers use (tests/unit/test_store_handler.c
-- checks the two agree).  Written with the schema, the same in every
-- database of a version.
CREATE TABLE fault_handlers (
	handler_id	INTEGER PRIMARY KEY,	-- enum fl_handler
	name		TEXT NOT NULL UNIQUE
);
INSERT INTO fault_handlers (handler_id, name) VALUES
	(0, 'anon_read'),	-- do_anonymous_page, read: the zero page
	(1, 'anon_write'),	-- do_anonymous_page, write: a new folio
	(2, 'file_read'),	-- do_read_fault
	(3, 'file_cow'),	-- do_cow_fault
	(4, 'file_shared'),	-- do_shared_fault
	(5, 'wp'),		-- do_wp_page
	(6, 'swap'),		-- do_swap_page
	(7, 'spurious');	-- the PTE already allowed it: access flags only

-- One row per fault and run.  fell_back stays here, not in the cause:
-- outcomes_fell_back below indexes the rows where it is 1.
CREATE TABLE outcome_rows (
	run_id		INTEGER NOT NULL REFERENCES runs,
	fault_id	INTEGER NOT NULL,	-- faults.fault_id of the run's trace
	cause_id	INTEGER NOT NULL,	-- outcome_causes of the run
	fell_back	INTEGER NOT NULL,	-- 1 when path = 'mmap_lock' after an attempt
	attempts	INTEGER NOT NULL,	-- handle_mm_fault() calls (RETRY adds one)
	latency		INTEGER NOT NULL,	-- ns, fault to end, as replayed
	lock_wait	INTEGER NOT NULL,	-- ns waited on the simulated mmap_lock
	writer_id	INTEGER,		-- writers.writer_id that caused an abort
	vma_id		INTEGER,		-- outcome_vmas of the run; NULL not placed
	-- The handler the replay dispatched the fault to (fault_handlers),
	-- from the fault's access, its VMA and whether it was major: the one
	-- the strategies decided with.  NULL: none, the fault was not in a
	-- VMA (no VMA, an unknown layout, stack growth).  Last: a small
	-- integer costs a byte or two a row (NULL, 0 and 1 none).
	handler		INTEGER,
	PRIMARY KEY (run_id, fault_id)
) WITHOUT ROWID;

-- The outcomes as version 4 stored them, column for column, then the
-- handler by name (NULL: none): what readers and `sqlite3` users query.
-- A cause's code, description and unplaced flag (version 7) are not
-- columns of it, so that it keeps version 6's shape: join outcome_causes
-- on (run_id, cause_id) of outcome_rows for them.
-- vma_start and vma_end are NULL and vma_kind '' for a fault not placed.
-- The dictionaries are read by a subquery per column, not joined: a query
-- through the view is then planned as one on outcome_rows alone (the
-- plans, and the row order of a scan, version 4's table had), and only the
-- columns it names are looked up: a percentile walk of outcomes_latency
-- reads no dictionary.
CREATE VIEW outcomes (run_id, fault_id, path, fell_back, counter, reason, attempts, latency,
		      lock_wait, writer_id, vma_start, vma_end, vma_kind, handler) AS
	SELECT o.run_id, o.fault_id,
	       (SELECT path FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       o.fell_back,
	       (SELECT counter FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       (SELECT reason FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       o.attempts, o.latency, o.lock_wait, o.writer_id,
	       (SELECT vma_start FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id),
	       (SELECT vma_end FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id),
	       coalesce((SELECT vma_kind FROM outcome_vmas v WHERE v.run_id = o.run_id
			 AND v.vma_id = o.vma_id), ''),
	       (SELECT name FROM fault_handlers h WHERE h.handler_id = o.handler)
	FROM outcome_rows o;

-- Rows written, changed or deleted through the view (by hand, by tests)
-- land in the compact tables, their texts and VMAs coded on the way (a
-- new cause with code 0, description '' and unplaced 0: the view does not
-- say which table entry it is).  A replay writes outcome_rows and the
-- dictionaries directly.
CREATE TRIGGER outcomes_insert INSTEAD OF INSERT ON outcomes BEGIN
	INSERT INTO outcome_causes (run_id, cause_id, path, counter, reason)
		SELECT NEW.run_id, (SELECT coalesce(max(cause_id), 0) + 1 FROM outcome_causes
				    WHERE run_id = NEW.run_id), NEW.path, NEW.counter, NEW.reason
		WHERE NOT EXISTS (SELECT 1 FROM outcome_causes WHERE run_id = NEW.run_id
				AND path = NEW.path AND counter = NEW.counter AND reason = NEW.reason);
	INSERT INTO outcome_vmas (run_id, vma_id, vma_start, vma_end, vma_kind)
		SELECT NEW.run_id, (SELECT coalesce(max(vma_id), 0) + 1 FROM outcome_vmas
				    WHERE run_id = NEW.run_id), NEW.vma_start, NEW.vma_end, NEW.vma_kind
		WHERE (NEW.vma_start IS NOT NULL OR NEW.vma_end IS NOT NULL OR NEW.vma_kind <> '')
		AND NOT EXISTS (SELECT 1 FROM outcome_vmas WHERE run_id = NEW.run_id
				AND vma_start IS NEW.vma_start AND vma_end IS NEW.vma_end
				AND vma_kind = NEW.vma_kind);
	INSERT INTO outcome_rows (run_id, fault_id, cause_id, fell_back, attempts, latency,
				  lock_wait, writer_id, vma_id, handler)
		VALUES (NEW.run_id, NEW.fault_id,
			(SELECT cause_id FROM outcome_causes WHERE run_id = NEW.run_id
			 AND path = NEW.path AND counter = NEW.counter AND reason = NEW.reason),
			NEW.fell_back, NEW.attempts, NEW.latency, NEW.lock_wait, NEW.writer_id,
			(SELECT vma_id FROM outcome_vmas WHERE run_id = NEW.run_id
			 AND vma_start IS NEW.vma_start AND vma_end IS NEW.vma_end
			 AND vma_kind = NEW.vma_kind),
			(SELECT handler_id FROM fault_handlers WHERE name = NEW.handler));
END;
CREATE TRIGGER outcomes_delete INSTEAD OF DELETE ON outcomes BEGIN
	DELETE FROM outcome_rows WHERE run_id = OLD.run_id AND fault_id = OLD.fault_id;
END;
CREATE TRIGGER outcomes_update INSTEAD OF UPDATE ON outcomes BEGIN
	DELETE FROM outcome_rows WHERE run_id = OLD.run_id AND fault_id = OLD.fault_id;
	INSERT INTO outcomes VALUES (NEW.run_id, NEW.fault_id, NEW.path, NEW.fell_back,
				     NEW.counter, NEW.reason, NEW.attempts, NEW.latency,
				     NEW.lock_wait, NEW.writer_id, NEW.vma_start, NEW.vma_end,
				     NEW.vma_kind, NEW.handler);
END;

-- Outcomes counted by (counter, reason), written with the run.
CREATE TABLE cause_counts (
	run_id		INTEGER NOT NULL REFERENCES runs,
	counter		TEXT NOT NULL,
	reason		TEXT NOT NULL,
	n		INTEGER NOT NULL,
	fell_back	INTEGER NOT NULL,	-- of which fell back to mmap_lock
	PRIMARY KEY (run_id, counter, reason)
);

-- Delay propagation (docs/design.md §6, replay/delay.h): per run and thread, how
-- long the thread blocked on mmap_lock in the trace and as replayed, and
-- its run time in the trace and as replayed.  Each fault shifts the
-- thread's later events by its change in blocked time (predicted wait -
-- traced wait) plus the speculative work an abort threw away, so
-- run_pred = run_traced + (blocked_pred - blocked_traced) + wasted.
-- Added within schema version 1 (unreleased).
CREATE TABLE thread_times (
	run_id		INTEGER NOT NULL REFERENCES runs,
	tid		INTEGER NOT NULL,
	pid		INTEGER NOT NULL,
	faults		INTEGER NOT NULL,
	blocked_traced	INTEGER NOT NULL,	-- ns: the ground truth's lock waits
	blocked_pred	INTEGER NOT NULL,	-- ns: the run's lock waits
	wasted		INTEGER NOT NULL,	-- ns of aborted speculative work
	run_traced	INTEGER NOT NULL,	-- ns: first to last event of the thread
	run_pred	INTEGER NOT NULL,	-- ns
	PRIMARY KEY (run_id, tid)
);

-- Readers' indexes.  They are what keeps `faultline report` fast on tens
-- of millions of outcomes (analyze/README.md): everything else it reads is
-- a primary-key range or the pre-aggregated cause_counts and thread_times.
-- An index is not part of the contract a table is: adding one does not
-- bump the version.
--
-- The partial ones hold few rows (the faults the kernel did not handle
-- under the VMA lock, the outcomes that waited, fell back or met a
-- writer), so they are made with the tables and kept as the rows come: a
-- build at the end would read the whole table to find them.
-- Lock-wait percentiles: most faults wait 0 ns, so only the others are
-- indexed; the zeros are the run's outcomes less this range's rows.
CREATE INDEX IF NOT EXISTS outcomes_lock_wait ON outcome_rows (run_id, lock_wait)
	WHERE lock_wait > 0;
-- Aborts a writer caused, grouped by writer and VMA, without a table scan.
CREATE INDEX IF NOT EXISTS outcomes_writer ON outcome_rows (run_id, writer_id, vma_id)
	WHERE writer_id IS NOT NULL;
-- Faults whose ground truth is not 'vma' (true fallbacks, unknowns): few,
-- and with a run's fell_back total they give its precision and recall.
CREATE INDEX IF NOT EXISTS faults_not_vma ON faults (trace_id, gt) WHERE gt <> 'vma';
-- A run's predicted fallbacks in fault order: with faults_not_vma, the
-- first faults a run and the kernel disagree on (report --fidelity) without
-- walking the trace.
CREATE INDEX IF NOT EXISTS outcomes_fell_back ON outcome_rows (run_id, fault_id)
	WHERE fell_back = 1;

-- The full index: `faultline replay` creates it at the end of its
-- transaction (replay/store.c runs the statements after the marker line
-- below, CREATE INDEX IF NOT EXISTS), not with the tables, so that the first
-- replay into a database writes its rows unindexed and builds the index in
-- one sorted pass; later replays into the same database update it.
-- @readers-indexes

-- Latency percentiles: p50/p90/p99/max by walking a run's range in order.
CREATE INDEX IF NOT EXISTS outcomes_latency ON outcome_rows (run_id, latency);

-- @tallies
-- Tallies of each run's outcomes, counted by `faultline replay` as it
-- stores them (replay/store.c), so that the report's views by thread, VMA,
-- handler and time, report --fidelity and report --html read a few rows per
-- run instead of every outcome with its fault (analyze/views.c, fidelity.c,
-- html.c).  Derived data, like an index: a run without
-- them (an older database) is read from outcomes as before, with the same
-- result; adding them does not bump the version.
CREATE TABLE IF NOT EXISTS tally_threads (
	run_id		INTEGER NOT NULL,
	tid		INTEGER NOT NULL,
	fell_back	INTEGER NOT NULL,
	PRIMARY KEY (run_id, tid)
);
CREATE TABLE IF NOT EXISTS tally_vmas (
	run_id		INTEGER NOT NULL,
	vma_start	INTEGER,		-- NULL: not placed
	vma_end		INTEGER,
	vma_kind	TEXT NOT NULL,
	faults		INTEGER NOT NULL,
	fell_back	INTEGER NOT NULL,
	aborts		INTEGER NOT NULL,	-- outcomes with a writer
	lock_wait	INTEGER NOT NULL	-- ns, summed
);
CREATE INDEX IF NOT EXISTS tally_vmas_run ON tally_vmas (run_id);
CREATE TABLE IF NOT EXISTS tally_handlers (
	run_id		INTEGER NOT NULL,
	handler		TEXT NOT NULL,		-- fault_handlers.name; 'none': handler NULL
	faults		INTEGER NOT NULL,
	fell_back	INTEGER NOT NULL,
	latency_sum	NUMERIC NOT NULL,	-- ns; REAL past int64
	latency_max	INTEGER NOT NULL,
	PRIMARY KEY (run_id, handler)
);
-- Faults per slice of the trace's span, for 20 slices (report --by time)
-- and 60 (report --html).
CREATE TABLE IF NOT EXISTS tally_times (
	run_id		INTEGER NOT NULL,
	buckets		INTEGER NOT NULL,
	bucket		INTEGER NOT NULL,
	faults		INTEGER NOT NULL,
	fell_back	INTEGER NOT NULL,
	aborts		INTEGER NOT NULL,
	PRIMARY KEY (run_id, buckets, bucket)
);
-- The run's predictions against the kernel's answer (report --fidelity):
-- every fault of the run's trace counted by its outcome in the run (outcome
-- 0: none; counter and reason '' and fell_back 0 then) and by its ground
-- truth as the faults row finally holds it (after the marking of the
-- faults after a loss).  Summed, it gives the confusion counts, the
-- precision per reason and the recall per gt_detail without a join of
-- faults and outcomes.
CREATE TABLE IF NOT EXISTS tally_fidelity (
	run_id		INTEGER NOT NULL,
	outcome		INTEGER NOT NULL,	-- 1: the run has an outcome for the fault
	counter		TEXT NOT NULL,
	reason		TEXT NOT NULL,
	fell_back	INTEGER NOT NULL,
	gt		TEXT NOT NULL,
	gt_detail	TEXT NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (run_id, outcome, counter, reason, fell_back, gt, gt_detail)
);
-- Outcomes per power of two of their latency (report --html): bucket b
-- counts latencies in [2^b, 2^(b+1)) ns, bucket 0 also 0 ns; a latency
-- read back negative (past int64) is in bucket 63.
CREATE TABLE IF NOT EXISTS tally_latency (
	run_id		INTEGER NOT NULL,
	bucket		INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (run_id, bucket)
);
-- The run's latency and lock-wait percentiles (report's latency table):
-- metric 'latency' or 'lock wait', p 50, 90, 99 or 100 (the max), the
-- value at the nearest rank among the run's outcomes (lock waits of 0
-- included), as a walk of outcomes_latency / outcomes_lock_wait gives it.
CREATE TABLE IF NOT EXISTS tally_percentiles (
	run_id		INTEGER NOT NULL,
	metric		TEXT NOT NULL,
	p		INTEGER NOT NULL,
	value		INTEGER NOT NULL,
	PRIMARY KEY (run_id, metric, p)
);
