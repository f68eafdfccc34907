-- A store of schema version 4, made from one of version 5: run on a
-- database `faultline replay` wrote (sqlite3 DB < store-v5-to-v4.sql), it
-- turns the compact outcomes (outcome_rows, outcome_causes, outcome_vmas
-- and the view outcomes) back into version 4's outcomes table, with its
-- indexes, and sets user_version 4.  Every other table is the same in
-- both versions.  tests/integration/t0370-store-versions.sh reads and
-- writes the result as an older faultline's database.
BEGIN;
CREATE TEMP TABLE v4_outcomes AS SELECT * FROM outcomes;
DROP INDEX IF EXISTS outcomes_latency;
DROP INDEX IF EXISTS outcomes_lock_wait;
DROP INDEX IF EXISTS outcomes_writer;
DROP INDEX IF EXISTS outcomes_fell_back;
DROP TRIGGER outcomes_insert;
DROP TRIGGER outcomes_delete;
DROP TRIGGER outcomes_update;
DROP VIEW outcomes;
DROP TABLE outcome_rows;
DROP TABLE outcome_causes;
DROP TABLE outcome_vmas;
-- Version 4's table, as its schemas/outcomes.sql created it.
-- What each strategy predicts for each fault.
CREATE TABLE outcomes (
	run_id		INTEGER NOT NULL REFERENCES runs,
	fault_id	INTEGER NOT NULL,	-- faults.fault_id of the run's trace
	-- Where handle_mm_fault() finally ran: 'vma_lock', 'speculative',
	-- 'mmap_lock'.
	path		TEXT NOT NULL,
	fell_back	INTEGER NOT NULL,	-- 1 when path = 'mmap_lock' after an attempt
	-- The kernel's counter for the attempt: vma_lock_success, _abort,
	-- _retry, _miss; spf_* / SPF_ABORT_* for the speculative strategies;
	-- 'mmap_lock' for classic; '' when no attempt was made.
	counter		TEXT NOT NULL,
	-- The finer reason: 'ok', 'write-locked', 'no anon_vma', 'no
	-- map_pages', 'uffd', 'swap IO', 'file IO', 'folio locked', 'access
	-- error', 'no VMA', 'stack growth', 'unplaced: inferred extent', ...
	reason		TEXT NOT NULL,
	attempts	INTEGER NOT NULL,	-- handle_mm_fault() calls (RETRY adds one)
	latency		INTEGER NOT NULL,	-- ns, fault to end, as replayed
	lock_wait	INTEGER NOT NULL,	-- ns waited on the simulated mmap_lock
	writer_id	INTEGER,		-- writers.writer_id that caused an abort
	vma_start	INTEGER,		-- the VMA the fault was placed in
	vma_end		INTEGER,
	vma_kind	TEXT NOT NULL,		-- anon file shmem stack heap special, '' none
	PRIMARY KEY (run_id, fault_id)
) WITHOUT ROWID;
INSERT INTO outcomes SELECT * FROM temp.v4_outcomes ORDER BY run_id, fault_id;
DROP TABLE temp.v4_outcomes;
CREATE INDEX outcomes_latency ON outcomes (run_id, latency);
CREATE INDEX outcomes_lock_wait ON outcomes (run_id, lock_wait)
	WHERE lock_wait > 0;
CREATE INDEX outcomes_writer ON outcomes (run_id, writer_id, vma_start, vma_end,
	vma_kind) WHERE writer_id IS NOT NULL;
CREATE INDEX outcomes_fell_back ON outcomes (run_id, fault_id) WHERE fell_back = 1;
PRAGMA user_version = 4;
COMMIT;
