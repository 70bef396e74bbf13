-- Order Management: what merchants attach to their orders, keyed by
-- (merchant, payment type, order id); the order need not exist.

-- Uploaded images (base64 of the checked PNG or JPEG), immutable.
CREATE TABLE om_images (
    msn TEXT NOT NULL,
    image_id TEXT NOT NULL,
    format TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (msn, image_id)
);

-- The v2 category of an order (upserted, the last wins), as JSON.
CREATE TABLE om_categories (
    msn TEXT NOT NULL,
    payment_type TEXT NOT NULL,
    order_id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (msn, payment_type, order_id)
);

-- v3 categories: their own ids, any number per order.
CREATE TABLE om_categories_v3 (
    category_id TEXT PRIMARY KEY,
    msn TEXT NOT NULL,
    payment_type TEXT NOT NULL,
    order_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX om_categories_v3_order ON om_categories_v3 (msn, order_id, created_at);

-- The receipt of an order, immutable; `source` says which API gave it
-- (order_management, epayment, checkout).
CREATE TABLE om_receipts (
    msn TEXT NOT NULL,
    payment_type TEXT NOT NULL,
    order_id TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (msn, payment_type, order_id)
);
