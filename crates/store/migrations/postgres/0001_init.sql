CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE merchants (
    msn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    subscription_key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE payments (
    msn TEXT NOT NULL,
    reference TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    customer_phone TEXT,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (msn, reference)
);
CREATE INDEX payments_open ON payments (state, expires_at);
CREATE INDEX payments_phone ON payments (customer_phone, created_at);

CREATE TABLE payment_events (
    id BIGSERIAL PRIMARY KEY,
    msn TEXT NOT NULL,
    reference TEXT NOT NULL,
    name TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    ts BIGINT NOT NULL,
    idempotency_key TEXT,
    success BIGINT NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (msn, reference, id);

CREATE TABLE idempotency (
    msn TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (msn, scope, key)
);

CREATE TABLE requests (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    msn TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    latency_us BIGINT NOT NULL,
    system_name TEXT,
    system_version TEXT,
    plugin_name TEXT,
    plugin_version TEXT,
    idempotency_key TEXT
);
CREATE INDEX requests_msn ON requests (msn, id);
