-- PSP API v3 payments: the domain payment (with its log and flags) as JSON,
-- plus the columns it is found by. `id` is "<psp id>/<pspTransactionId>";
-- `state` is OPEN while the payment has a deadline (payer window, PSP
-- answer limit, 3-D Secure window, a delayed status report) and DONE after.
CREATE TABLE psp_payments (
    psp_id TEXT NOT NULL,
    psp_transaction_id TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    msn TEXT NOT NULL,
    merchant_order_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    customer_phone TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (psp_id, psp_transaction_id),
    UNIQUE (msn, merchant_order_id)
);
CREATE INDEX psp_payments_open ON psp_payments (state, expires_at);
CREATE INDEX psp_payments_phone ON psp_payments (customer_phone, created_at);

-- Status reports for transactions the PSP never initiated: accepted, as the
-- real API accepts them, and kept so the PSP can see them flagged.
CREATE TABLE psp_unknown_reports (
    id TEXT PRIMARY KEY,
    psp_id TEXT NOT NULL,
    msn TEXT NOT NULL,
    psp_transaction_id TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    reported_at BIGINT NOT NULL
);
CREATE INDEX psp_unknown_reports_psp ON psp_unknown_reports (psp_id, reported_at);

-- How long a PSP's status reports wait before they take effect (0: at once).
ALTER TABLE psps ADD COLUMN status_delay_ms BIGINT NOT NULL DEFAULT 0;
