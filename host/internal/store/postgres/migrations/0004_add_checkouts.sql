-- Checkouts: a cart waiting for the buyer to pick a payment mode. Each pick
-- creates a session linked to its checkout; at most one of them may be
-- active (being paid or paid) at a time, so a checkout is paid at most once.
CREATE TABLE checkouts (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL,
    order_ref     TEXT NOT NULL,
    cart          TEXT NOT NULL,
    customer      TEXT NOT NULL,
    return_url    TEXT NOT NULL,
    cancel_url    TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE INDEX checkouts_by_site ON checkouts (site_id, created_at);

ALTER TABLE sessions ADD COLUMN checkout_id TEXT NOT NULL DEFAULT '';

CREATE INDEX sessions_by_checkout ON sessions (checkout_id, created_at) WHERE checkout_id <> '';
CREATE UNIQUE INDEX sessions_one_active_per_checkout ON sessions (checkout_id)
    WHERE checkout_id <> '' AND status IN ('created', 'pending', 'authorized', 'paid', 'partially_refunded', 'refunded');
