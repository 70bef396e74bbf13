//! The Order Management API's routes (https://developer.vippsmobilepay.com/api/order-management/).

use axum::{
    routing::{get, post, put},
    Router,
};

use super::handlers::{
    add_category_v3, add_image, add_receipt, categories_v3, category_v3, delete_category_v3, order,
    put_category,
};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/order-management/v1/images", post(add_image))
        .route(
            "/order-management/v2/{payment_type}/categories/{order_id}",
            put(put_category),
        )
        .route(
            "/order-management/v2/{payment_type}/receipts/{order_id}",
            post(add_receipt),
        )
        .route("/order-management/v2/{payment_type}/{order_id}", get(order))
        .route(
            "/order-management/v3/categories",
            post(add_category_v3).get(categories_v3),
        )
        .route(
            "/order-management/v3/categories/{category_id}",
            get(category_v3).delete(delete_category_v3),
        )
}
