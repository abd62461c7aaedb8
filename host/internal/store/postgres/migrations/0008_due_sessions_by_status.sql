-- The janitor's due sessions: the open-session indexes lead with the
-- status, so that "status IN (open ones) AND next_check_at <= now" (and the
-- same on expires_at) is a range of each index; the planner otherwise
-- prefers sessions_by_status_created (0006) and reads every open session
-- at each tick, however few are due.
DROP INDEX sessions_open_by_check;
DROP INDEX sessions_open_by_expiry;
CREATE INDEX sessions_open_by_check ON sessions (status, next_check_at) WHERE status IN ('created', 'pending', 'authorized');
CREATE INDEX sessions_open_by_expiry ON sessions (status, expires_at) WHERE status IN ('created', 'pending', 'authorized');
