//! ePayment payments on the payer pages: landing page (going back to it
//! after submitting a phone number cancels the payment, as the real one
//! does), approve and reject in the app, the phone's inbox for PUSH_MESSAGE.

use axum::http::StatusCode;
use futures::future::BoxFuture;
use vipps_domain::{
    epayment::{Payment, State},
    Millis,
};
use vipps_store::Stored;

use super::{
    problem::ApiProblem,
    service::{self, Approved, Epayment},
};
use crate::{
    kernel::versioned,
    web::{
        payer::{Approval, Ending, HistoryRow, OnPayerPages, Paid, PayerPayment},
        ErrorPage,
    },
    AppState,
};

impl From<ApiProblem> for ErrorPage {
    fn from(p: ApiProblem) -> Self {
        ErrorPage::new(
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            p.title,
            p.detail,
        )
    }
}

fn paid(p: Payment) -> Paid {
    Box::new(p)
}

impl PayerPayment for Payment {
    fn token(&self) -> &str {
        &self.token
    }

    fn api(&self) -> &'static str {
        if self.checkout.is_some() {
            "Checkout"
        } else {
            "ePayment"
        }
    }

    fn reference(&self) -> &str {
        &self.reference
    }

    /// The payment's events, as `GET …/events` lists them.
    fn history<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, anyhow::Result<Vec<HistoryRow>>> {
        Box::pin(async move {
            let events = st.db.payment_events(&self.msn, &self.reference).await?;
            Ok(events
                .into_iter()
                .map(|e| HistoryRow {
                    at: e.timestamp,
                    what: e.name.as_str().to_owned(),
                    amount: e.amount.to_string(),
                    success: e.success,
                })
                .collect())
        })
    }

    fn order_id(&self) -> Option<&str> {
        Some(&self.reference)
    }

    fn msn(&self) -> &str {
        &self.msn
    }

    fn created_at(&self) -> Millis {
        self.created_at
    }

    fn state_label(&self) -> &'static str {
        self.state.as_str()
    }

    fn is_open(&self) -> bool {
        self.state == State::Created
    }

    fn return_url(&self) -> Option<&str> {
        self.return_url.as_deref()
    }

    fn amount(&self) -> String {
        self.amount.to_string()
    }

    fn description(&self) -> Option<String> {
        self.description.clone()
    }

    /// `customer.phoneNumber`, an MSISDN.
    fn prefilled_phone(&self) -> String {
        self.customer_phone.clone().unwrap_or_default()
    }

    fn decline_for(&self, phone: &str) -> Option<String> {
        self.decline_reason
            .clone()
            .filter(|_| self.payer_phone.as_deref() == Some(phone))
    }

    fn outcome(&self) -> Ending {
        let (heading, message, good) = match self.state {
            State::Created => ("Waiting for the payer", "The payment is open.", true),
            State::Authorized => (
                "Payment approved",
                "The payment is approved. The merchant will complete the order.",
                true,
            ),
            State::Aborted => (
                "Payment rejected",
                "The payment was rejected. Nothing was charged.",
                false,
            ),
            State::Expired => (
                "Payment expired",
                "The payment has expired: it was not approved in time. Nothing was charged.",
                false,
            ),
            State::Terminated => (
                "Payment cancelled",
                "The merchant cancelled this payment. Nothing was charged.",
                false,
            ),
        };
        Ending {
            heading,
            message: message.into(),
            good,
            state: self.state.as_str(),
        }
    }

    fn expire_now<'a>(
        &'a self,
        st: &'a AppState,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            let now = st.clock.now_for(&self.msn);
            let s =
                versioned::expired_now::<Epayment, ApiProblem>(st, &self.msn, &self.reference, now)
                    .await?;
            Ok(s.map(|s| paid(s.payment)))
        })
    }

    fn settle_at<'a>(
        &'a self,
        st: &'a AppState,
        now: Millis,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            let s = versioned::settled::<Epayment, ApiProblem>(st, &self.msn, &self.reference, now)
                .await?;
            Ok(s.map(|s| paid(s.payment)))
        })
    }

    /// After a submitted phone number, coming back cancels the payment.
    fn back_to_landing<'a>(
        &'a self,
        st: &'a AppState,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            if !(self.phone_submitted && self.is_open()) {
                return Ok(None);
            }
            let p = service::back_to_landing(st, &self.msn, &self.reference).await?;
            Ok(p.map(paid))
        })
    }

    fn phone_submitted<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<(), ErrorPage>> {
        Box::pin(async move { Ok(service::submit_phone(st, &self.msn, &self.reference).await?) })
    }

    fn approve<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        _shipping_method_id: Option<String>,
    ) -> BoxFuture<'a, Approval> {
        Box::pin(async move {
            match service::approve(st, &self.msn, &self.reference, |_| Ok(phone.to_owned())).await {
                Ok(Approved::Yes(p)) => Approval::Approved(paid(p)),
                Ok(Approved::Declined(p, why)) => Approval::Declined(paid(p), why.to_owned()),
                Err(e) => Approval::Failed(e.into()),
            }
        })
    }

    fn reject<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<Paid, ErrorPage>> {
        Box::pin(async move { Ok(paid(service::reject(st, &self.msn, &self.reference).await?)) })
    }
}

impl OnPayerPages for Epayment {
    type Problem = ApiProblem;

    async fn by_token(st: &AppState, token: &str) -> anyhow::Result<Option<Stored<Payment>>> {
        st.db.payment_by_token(token).await
    }

    /// PUSH_MESSAGE payments and those with a prefilled customer.
    async fn for_phone(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.payments_for_phone(phone, limit).await
    }

    async fn paid_by(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.payments_paid_by(phone, limit).await
    }

    async fn recent(
        st: &AppState,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.recent_payments(msn, limit).await
    }
}
