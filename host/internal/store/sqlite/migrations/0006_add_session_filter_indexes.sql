-- The console's sessions list at a million sessions: every filter that can
-- match many sessions gets an index with (created_at, id) behind its
-- equality, so that a page (first or deep, keyset) reads its fifty rows in
-- order instead of sorting every match or walking the whole table for a
-- rare value. The indexes these extend go: their queries use the new ones.
-- (Building them on a large PostgreSQL table holds writes for the
-- migration's seconds; payhost migrates at start.)
CREATE INDEX sessions_by_site_created ON sessions (site_id, created_at, id);
CREATE INDEX sessions_by_mode_created ON sessions (mode, created_at, id);
CREATE INDEX sessions_by_status_created ON sessions (status, created_at, id);
CREATE INDEX sessions_by_amount_created ON sessions (amount, created_at, id);
CREATE INDEX sessions_by_site_status_created ON sessions (site_id, status, created_at, id);
DROP INDEX sessions_by_site_status;
CREATE INDEX sessions_attention_by_created ON sessions (created_at, id) WHERE needs_attention = 1;
DROP INDEX sessions_needing_attention;
-- sessions_by_created_id (0005) starts with created_at.
DROP INDEX sessions_by_created;
