-- A store of schema version 6, made from one of version 7: run on a
-- database `faultline replay` wrote (sqlite3 DB < store-v7-to-v6.sql), it
-- drops what version 7 added (outcome_causes.code, description and
-- unplaced) and sets user_version 6.  Every other table, the view outcomes
-- and its triggers are the same in both versions.  store-v6-to-v5.sql
-- then makes a version-5 one of the result.
-- tests/integration/t0370-store-versions.sh reads and writes it as an
-- older faultline's database.
BEGIN;
ALTER TABLE outcome_causes DROP COLUMN code;
ALTER TABLE outcome_causes DROP COLUMN description;
ALTER TABLE outcome_causes DROP COLUMN unplaced;
PRAGMA user_version = 6;
COMMIT;
