-- Sessions, their timeline, reference sequences, idempotency keys, the
-- webhook outbox and its delivery attempts, and operations. Times are Unix
-- nanoseconds (UTC), as in the SQLite store.
CREATE TABLE sessions (
    id                      TEXT PRIMARY KEY,
    site_id                 TEXT NOT NULL,
    mode                    TEXT NOT NULL,
    plugin                  TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    status                  TEXT NOT NULL,
    amount                  BIGINT NOT NULL,
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
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT,
    expires_at              BIGINT,
    version                 BIGINT NOT NULL,
    captured_amount         BIGINT NOT NULL DEFAULT 0,
    refunded_amount         BIGINT NOT NULL DEFAULT 0,
    next_check_at           BIGINT,
    check_attempts          INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_reference_unique ON sessions (site_id, mode, reference_scope, reference) WHERE reference <> '';
CREATE INDEX sessions_by_mode_reference ON sessions (mode, reference);
CREATE INDEX sessions_by_site_status ON sessions (site_id, status, created_at);
CREATE INDEX sessions_by_created ON sessions (created_at);
CREATE INDEX sessions_open_by_check ON sessions (next_check_at) WHERE status IN ('created', 'pending', 'authorized');
CREATE INDEX sessions_open_by_expiry ON sessions (expires_at) WHERE status IN ('created', 'pending', 'authorized');

CREATE TABLE events (
    id                      BIGSERIAL PRIMARY KEY,
    session_id              TEXT NOT NULL REFERENCES sessions (id),
    time                    BIGINT NOT NULL,
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
);
CREATE INDEX events_by_session ON events (session_id, id);

CREATE TABLE reference_sequences (
    site_id    TEXT NOT NULL,
    mode       TEXT NOT NULL,
    scope      TEXT NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (site_id, mode, scope)
);

CREATE TABLE idempotency_keys (
    site_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    status_code  INTEGER,
    body         BYTEA,
    session_id   TEXT,
    PRIMARY KEY (site_id, key)
);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    event_id        TEXT NOT NULL UNIQUE,
    session_id      TEXT NOT NULL REFERENCES sessions (id),
    site_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    payload         BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    lease_until     BIGINT,
    given_up_at     BIGINT
);
CREATE INDEX outbox_by_session ON outbox (session_id, id);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;

CREATE TABLE deliveries (
    id           BIGSERIAL PRIMARY KEY,
    outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
    event_id     TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    attempted_at BIGINT NOT NULL,
    status_code  INTEGER NOT NULL,
    latency_ns   BIGINT NOT NULL,
    response     TEXT NOT NULL,
    error        TEXT NOT NULL
);
CREATE INDEX deliveries_by_session ON deliveries (session_id, id);

CREATE TABLE operations (
    id                    TEXT PRIMARY KEY,
    session_id            TEXT NOT NULL REFERENCES sessions (id),
    site_id               TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    amount                BIGINT NOT NULL,
    status                TEXT NOT NULL,
    provider_operation_id TEXT NOT NULL,
    response_code         TEXT NOT NULL,
    response_message      TEXT NOT NULL,
    idempotency_key       TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    next_check_at         BIGINT,
    check_attempts        INTEGER NOT NULL
);
CREATE INDEX operations_by_session ON operations (session_id, created_at);
CREATE UNIQUE INDEX operations_by_key ON operations (site_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX operations_open ON operations (next_check_at) WHERE status IN ('requested', 'pending', 'unknown');
