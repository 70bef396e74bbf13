-- Idempotency records are pruned once past their retention.
CREATE INDEX idempotency_created ON idempotency (created_at);
