//! Request and response bodies of every API, exactly as the official OpenAPI
//! specs name them. No logic: shared by the server and clients.

pub mod accesstoken;
pub mod checkout;
pub mod ecom;
pub mod epayment;
pub mod gateway;
pub mod order_management;
pub mod psp;
pub mod receipt;
pub mod webhooks;
