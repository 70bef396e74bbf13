-- The phone (an MSISDN) that paid each ePayment and eCom payment, so the
-- payer pages can list a phone's orders with what the merchant attached.
ALTER TABLE payments ADD COLUMN payer_phone TEXT;
CREATE INDEX payments_payer ON payments (payer_phone, created_at);
ALTER TABLE ecom_payments ADD COLUMN payer_phone TEXT;
CREATE INDEX ecom_payments_payer ON ecom_payments (payer_phone, created_at);
UPDATE payments SET payer_phone = body::json->>'payer_phone';
UPDATE ecom_payments SET payer_phone = body::json->>'payer_phone';
