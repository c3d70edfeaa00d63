-- SiJaga's per-table storage settings for the big tables (docs/postgresql.md). Run once in SiJaga's database as the
-- tables' owner, after the migrations; safe to run again. Server-tuning decisions, so not a migration: SQLite has no
-- such settings and a development database needs none of them.
--
-- Autovacuum and ANALYZE by row count rather than by 20 % of the table: at 20M workers the defaults wait for 4M
-- changed rows, so the statistics stay stale after every import and the visibility map (index-only scans of the
-- list's capped count) lags behind. The insert scale factor (PostgreSQL 13+) makes append-mostly tables vacuumed too.

ALTER TABLE registry_worker SET (
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.005,
    autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE enrollment_membership SET (
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.005,
    autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE enrollment_membershipterms SET (
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.005,
    autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE enrollment_membershipevent SET (
    autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE registry_workerchange SET (
    autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
-- accounts_accesslog is partitioned by month (docs/postgresql.md): its partitions are small and need no settings.

-- The name search's trigram GIN index: a bulk import adds ~15 trigram entries per worker to its pending list, which
-- the inserting backend merges into the index whenever the list passes this size (default 4 MB).
-- ALTER INDEX worker_search_key_trgm SET (gin_pending_list_limit = 4096);  -- see docs/postgresql.md before changing

CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
