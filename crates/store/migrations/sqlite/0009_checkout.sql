-- Checkout v3 sessions: the domain session as JSON plus the columns it is
-- found by. Once the shopper proceeds to pay, the session travels inside
-- its ePayment payment (payments.body) and this row keeps the state
-- PaymentInitiated: it then only says where to look.
CREATE TABLE checkout_sessions (
    msn TEXT NOT NULL,
    reference TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (msn, reference)
);
CREATE INDEX checkout_sessions_open ON checkout_sessions (state, expires_at);
