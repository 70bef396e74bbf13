//! The Order Management API checklist
//! (<https://developer.vippsmobilepay.com/docs/APIs/order-management-api/vipps-order-management-api-checklist/>).

use super::{common, Item, Judgement};

const APIS: &[&str] = &["/order-management/", "/accesstoken/"];

pub static ITEMS: &[Item] = &[
    Item {
        id: "image",
        title: "Add an image to an order POST:/order-management/v1/images",
        judge: |t| common::endpoint(t, "POST", "/order-management/v1/images", "upload an image"),
    },
    Item {
        id: "category",
        title:
            "Add category to an order PUT:/order-management/v2/{paymentType}/categories/{orderId}",
        judge: |t| {
            common::endpoint(
                t,
                "PUT",
                "/order-management/v2/*/categories/*",
                "add a category (with an image) to an order",
            )
        },
    },
    Item {
        id: "receipt",
        title: "Add receipt to an order POST:/order-management/v2/{paymentType}/receipts/{orderId}",
        judge: |t| {
            common::endpoint(
                t,
                "POST",
                "/order-management/v2/*/receipts/*",
                "add a receipt to an order",
            )
        },
    },
    Item {
        id: "get-order",
        title:
            "Get order with category and receipt GET:/order-management/v2/{paymentType}/{orderId}",
        judge: |t| {
            common::endpoint(
                t,
                "GET",
                "/order-management/v2/*/*",
                "read an order with its category and receipt",
            )
        },
    },
    Item {
        id: "handle-errors",
        title: "Handle errors: make sure to log and handle all errors",
        judge: |t| common::handles_errors(t, APIS),
    },
    Item {
        id: "http-headers",
        title: "Include HTTP headers: send the HTTP headers in all API requests",
        judge: |t| common::system_headers(t, APIS),
    },
    Item {
        id: "design-guidelines",
        title: "Follow design guidelines",
        judge: |_| Judgement::manual("Branding cannot be judged from API traffic."),
    },
    Item {
        id: "customer-support",
        title: "Educate customer support",
        judge: |_| Judgement::manual("What your customer support can see is for you to check."),
    },
];
