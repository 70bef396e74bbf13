//! Order Management on the payer pages: what the payer's order history
//! shows of an order (its category and receipt).
