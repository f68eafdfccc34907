-- A store of schema version 5, made from one of version 6: run on a
-- database `faultline replay` wrote (sqlite3 DB < store-v6-to-v5.sql), it
-- drops what version 6 added (outcome_rows.handler, its dictionary
-- fault_handlers, the view's column handler), puts back version 5's view
-- and triggers, and sets user_version 5.  Every other table is the same in
-- both versions (tally_handlers keeps the rows version 6 counted: a reader
-- does not use it on a version-5 database).  store-v5-to-v4.sql then makes
-- a version-4 one of the result.  tests/integration/t0370-store-versions.sh
-- reads and writes both as an older faultline's databases.
BEGIN;
DROP TRIGGER outcomes_insert;
DROP TRIGGER outcomes_delete;
DROP TRIGGER outcomes_update;
DROP VIEW outcomes;
ALTER TABLE outcome_rows DROP COLUMN handler;
DROP TABLE fault_handlers;
-- Version 5's view and triggers, as its schemas/outcomes.sql created them.
CREATE VIEW outcomes (run_id, fault_id, path, fell_back, counter, reason, attempts, latency,
		      lock_wait, writer_id, vma_start, vma_end, vma_kind) AS
	SELECT o.run_id, o.fault_id,
	       (SELECT path FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       o.fell_back,
	       (SELECT counter FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       (SELECT reason FROM outcome_causes c WHERE c.run_id = o.run_id AND c.cause_id = o.cause_id),
	       o.attempts, o.latency, o.lock_wait, o.writer_id,
	       (SELECT vma_start FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id),
	       (SELECT vma_end FROM outcome_vmas v WHERE v.run_id = o.run_id AND v.vma_id = o.vma_id),
	       coalesce((SELECT vma_kind FROM outcome_vmas v WHERE v.run_id = o.run_id
			 AND v.vma_id = o.vma_id), '')
	FROM outcome_rows o;

-- Rows written, changed or deleted through the view (by hand, by tests)
-- land in the compact tables, their texts and VMAs coded on the way.  A
-- replay writes outcome_rows and the dictionaries directly.
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
				  lock_wait, writer_id, vma_id)
		VALUES (NEW.run_id, NEW.fault_id,
			(SELECT cause_id FROM outcome_causes WHERE run_id = NEW.run_id
			 AND path = NEW.path AND counter = NEW.counter AND reason = NEW.reason),
			NEW.fell_back, NEW.attempts, NEW.latency, NEW.lock_wait, NEW.writer_id,
			(SELECT vma_id FROM outcome_vmas WHERE run_id = NEW.run_id
			 AND vma_start IS NEW.vma_start AND vma_end IS NEW.vma_end
			 AND vma_kind = NEW.vma_kind));
END;
CREATE TRIGGER outcomes_delete INSTEAD OF DELETE ON outcomes BEGIN
	DELETE FROM outcome_rows WHERE run_id = OLD.run_id AND fault_id = OLD.fault_id;
END;
CREATE TRIGGER outcomes_update INSTEAD OF UPDATE ON outcomes BEGIN
	DELETE FROM outcome_rows WHERE run_id = OLD.run_id AND fault_id = OLD.fault_id;
	INSERT INTO outcomes VALUES (NEW.run_id, NEW.fault_id, NEW.path, NEW.fell_back,
				     NEW.counter, NEW.reason, NEW.attempts, NEW.latency,
				     NEW.lock_wait, NEW.writer_id, NEW.vma_start, NEW.vma_end,
				     NEW.vma_kind);
END;
PRAGMA user_version = 5;
COMMIT;
