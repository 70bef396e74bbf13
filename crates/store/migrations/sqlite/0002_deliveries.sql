-- Webhook registrations. The secret is the HMAC key each delivery is signed
-- with, so unlike API secrets it must be kept usable, not hashed.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    msn TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_msn ON webhooks (msn);

-- The outbox: one row per outgoing call, written in the transaction of the
-- change it reports. `order_key` + `seq` order the rows that must not
-- overtake each other (one webhook, one payment).
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    msn TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id TEXT,
    url TEXT NOT NULL,
    event_type TEXT NOT NULL,
    order_key TEXT NOT NULL,
    seq BIGINT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    first_due_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_status BIGINT,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_order ON deliveries (order_key, seq);
CREATE INDEX deliveries_msn ON deliveries (msn, created_at);

CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT NOT NULL,
    error_kind TEXT,
    response TEXT,
    latency_ms BIGINT NOT NULL,
    next_attempt_at BIGINT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- Per-merchant fault injection for deliveries (sandbox feature, off by default).
CREATE TABLE delivery_faults (
    msn TEXT PRIMARY KEY,
    config TEXT NOT NULL
);
