-- The payer's phone (an MSISDN) a merchant prefilled, so the payer's inbox
-- can list eCom payments too (skipLandingPage payments arrive as a push).
ALTER TABLE ecom_payments ADD COLUMN customer_phone TEXT;
CREATE INDEX ecom_payments_phone ON ecom_payments (customer_phone, created_at);
