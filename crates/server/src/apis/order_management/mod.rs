//! Order Management API (https://developer.vippsmobilepay.com/docs/APIs/order-management-api/).
//! Its receipt model is also what ePayment's `receipt` and Checkout's
//! `orderSummary` carry, so those APIs read receipts through [`request`].

pub mod request;
