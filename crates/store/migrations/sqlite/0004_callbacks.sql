-- Callbacks (eCom, later Checkout and PSP) carry the merchant's own token
-- as their Authorization header, verbatim.
ALTER TABLE deliveries ADD COLUMN auth_header TEXT;
