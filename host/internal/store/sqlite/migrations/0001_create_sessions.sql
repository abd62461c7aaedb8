-- Sessions, their timeline, reference sequences, idempotency keys and the
-- webhook outbox. Times are Unix nanoseconds (UTC); JSON columns hold the
-- structured parts of a session.
CREATE TABLE sessions (
    id                      TEXT PRIMARY KEY,
    site_id                 TEXT NOT NULL,
    mode                    TEXT NOT NULL,
    plugin                  TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    amount                  INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    country                 TEXT NOT NULL,
    cart_type               TEXT NOT NULL,
    order_ref               TEXT NOT NULL,
    reference               TEXT NOT NULL,
    reference_scope         TEXT NOT NULL,
    cart                    TEXT NOT NULL,
    customer                TEXT NOT NULL,
    return_url              TEXT NOT NULL,
    cancel_url              TEXT NOT NULL,
    action                  TEXT,
    provider_transaction_id TEXT NOT NULL,
    provider_data           TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER,
    expires_at              INTEGER,
    version                 INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX sessions_reference_unique
    ON sessions (site_id, mode, reference_scope, reference) WHERE reference <> '';
CREATE INDEX sessions_by_mode_reference ON sessions (mode, reference);
CREATE INDEX sessions_by_site_status ON sessions (site_id, status, created_at);
CREATE INDEX sessions_by_created ON sessions (created_at);

CREATE TABLE events (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id              TEXT NOT NULL REFERENCES sessions (id),
    time                    INTEGER NOT NULL,
    source                  TEXT NOT NULL,
    result                  TEXT NOT NULL,
    from_status             TEXT NOT NULL,
    to_status               TEXT NOT NULL,
    reason                  TEXT NOT NULL,
    provider_transaction_id TEXT NOT NULL,
    provider_code           TEXT NOT NULL,
    provider_message        TEXT NOT NULL,
    authorization_code      TEXT NOT NULL,
    payload                 TEXT NOT NULL
) STRICT;

CREATE INDEX events_by_session ON events (session_id, id);

CREATE TABLE reference_sequences (
    site_id    TEXT NOT NULL,
    mode       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (site_id, mode, scope)
) STRICT;

CREATE TABLE idempotency_keys (
    site_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    status_code  INTEGER,
    body         BLOB,
    session_id   TEXT,
    PRIMARY KEY (site_id, key)
) STRICT;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT NOT NULL UNIQUE,
    session_id      TEXT NOT NULL REFERENCES sessions (id),
    site_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    payload         BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX outbox_by_session ON outbox (session_id, id);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
