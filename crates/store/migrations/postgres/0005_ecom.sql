-- eCom v2 payments: the domain payment (with its operation log) as JSON,
-- plus the columns it is found by.
CREATE TABLE ecom_payments (
    msn TEXT NOT NULL,
    order_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (msn, order_id)
);
CREATE INDEX ecom_payments_open ON ecom_payments (state, expires_at);

-- What the operator configured for a sales unit's eCom payments.
CREATE TABLE ecom_unit_settings (
    msn TEXT PRIMARY KEY,
    direct_capture BIGINT NOT NULL,
    skip_landing_page_denied BIGINT NOT NULL,
    nin_allowed BIGINT NOT NULL
);
