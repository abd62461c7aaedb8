-- Operator console: the audit log of every console and operator API action,
-- the modes an admin switched on or off for a site (read by every instance),
-- the console's login sessions, and indexes for the sessions list's filters
-- and keyset pagination (newest first by created_at, id).
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    via       TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    remote    TEXT NOT NULL,
    outcome   TEXT NOT NULL
);

CREATE TABLE mode_switches (
    site_id    TEXT NOT NULL,
    mode       TEXT NOT NULL,
    enabled    BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (site_id, mode)
);

CREATE TABLE console_logins (
    token_hash TEXT PRIMARY KEY,
    operator   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX console_logins_by_expiry ON console_logins (expires_at);

CREATE INDEX sessions_by_created_id ON sessions (created_at, id);
CREATE INDEX sessions_by_order_ref ON sessions (order_ref);
CREATE INDEX sessions_by_reference ON sessions (reference);
CREATE INDEX sessions_by_provider_tx ON sessions (provider_transaction_id) WHERE provider_transaction_id <> '';
