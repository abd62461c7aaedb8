-- Refunds, captures and cancellations; webhook delivery attempts and
-- leases; janitor scheduling of sessions.
ALTER TABLE sessions ADD COLUMN captured_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN refunded_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN next_check_at INTEGER;
ALTER TABLE sessions ADD COLUMN check_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_open_by_check ON sessions (next_check_at) WHERE status IN ('created', 'pending', 'authorized');
CREATE INDEX sessions_open_by_expiry ON sessions (expires_at) WHERE status IN ('created', 'pending', 'authorized');

CREATE TABLE operations (
    id                    TEXT PRIMARY KEY,
    session_id            TEXT NOT NULL REFERENCES sessions (id),
    site_id               TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    amount                INTEGER NOT NULL,
    status                TEXT NOT NULL,
    provider_operation_id TEXT NOT NULL,
    response_code         TEXT NOT NULL,
    response_message      TEXT NOT NULL,
    idempotency_key       TEXT,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    next_check_at         INTEGER,
    check_attempts        INTEGER NOT NULL
) STRICT;
CREATE INDEX operations_by_session ON operations (session_id, created_at);
CREATE UNIQUE INDEX operations_by_key ON operations (site_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX operations_open ON operations (next_check_at) WHERE status IN ('requested', 'pending', 'unknown');

ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN given_up_at INTEGER;

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    event_id     TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    attempted_at INTEGER NOT NULL,
    status_code  INTEGER NOT NULL,
    latency_ns   INTEGER NOT NULL,
    response     TEXT NOT NULL,
    error        TEXT NOT NULL
) STRICT;
CREATE INDEX deliveries_by_session ON deliveries (session_id, id);
