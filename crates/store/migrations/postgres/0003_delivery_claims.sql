-- Workers claim a batch of rows in one statement and then read back the rows
-- carrying their own owner token.
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
-- The due query only ever looks at pending rows; keep its indexes to them.
CREATE INDEX deliveries_pending_order ON deliveries (order_key, seq) WHERE status = 'pending';
CREATE INDEX deliveries_pending_due ON deliveries (next_attempt_at) WHERE status = 'pending';
