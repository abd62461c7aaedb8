-- The webhook queue's heads: one row per session with a message waiting,
-- naming its oldest waiting message and when it may next be claimed
-- (its next attempt, or the end of a claim's lease). Kept in the same
-- transactions as the outbox, so a claim reads a few rows of an index
-- whatever the backlog and whatever the planner's statistics.
CREATE TABLE outbox_heads (
    session_id TEXT PRIMARY KEY,
    outbox_id  INTEGER NOT NULL,
    due_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_heads_due ON outbox_heads (due_at);
CREATE INDEX outbox_waiting_by_session ON outbox (session_id, id) WHERE delivered_at IS NULL AND given_up_at IS NULL;
-- The claim no longer scans the outbox; this index would only compete,
-- on poor statistics, with the one above for a session's next message.
DROP INDEX outbox_pending;
INSERT INTO outbox_heads (session_id, outbox_id, due_at)
SELECT o.session_id, o.id, MAX(o.next_attempt_at, COALESCE(o.lease_until, 0)) FROM outbox o
WHERE o.delivered_at IS NULL AND o.given_up_at IS NULL
  AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.session_id = o.session_id AND p.delivered_at IS NULL AND p.given_up_at IS NULL);

-- Retention: a delivered message's payload is emptied once old enough.
ALTER TABLE outbox ADD COLUMN pruned_at INTEGER;
CREATE INDEX outbox_prunable ON outbox (delivered_at) WHERE delivered_at IS NOT NULL AND pruned_at IS NULL;
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);

-- An idempotency claim is a lease: past it, a retry takes the key over.
ALTER TABLE idempotency_keys ADD COLUMN lease_until INTEGER;

-- A session an operator must look at (a payment after it was closed).
ALTER TABLE sessions ADD COLUMN needs_attention INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_needing_attention ON sessions (created_at) WHERE needs_attention = 1;
