-- Payment service providers: their own keys (stored hashed, like a
-- merchant's) and the merchants (MSNs) each serves.
CREATE TABLE psps (
    psp_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    subscription_key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE psp_merchants (
    psp_id TEXT NOT NULL,
    msn TEXT NOT NULL,
    PRIMARY KEY (psp_id, msn)
);
