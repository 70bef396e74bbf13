//! One test binary for the server: every module drives the real HTTP API
//! over loopback, on SQLite, or on PostgreSQL when `DATABASE_URL` is set.

mod accesstoken;
mod admin_token;
mod api_faults;
mod bad_input;
mod bad_input_props;
mod browser;
mod checklist;
mod checkout;
mod checkout_page;
mod clock;
mod common;
mod connections;
mod deliveries;
mod ecom;
mod ecom_errors;
mod ecom_express;
mod ecom_quickstart;
mod epayment;
mod epayment_errors;
mod epayment_on_ecom;
mod idempotency;
mod inspection;
mod metrics;
mod order_management;
mod psp;
mod receiver;
mod sandbox_merchants;
mod strict_urls;
mod web;
mod web_ecom;
mod webhooks;
