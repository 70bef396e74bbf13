//! eCom payments on the payer pages: landing page, app (with the express
//! address and the merchant's shipping options), approve and reject back to
//! `fallBack`, declines, and the express consent removal.

use axum::http::StatusCode;
use futures::future::BoxFuture;
use vipps_domain::{
    ecom::{self, choose_shipping, default_address, Operation, Payment, State},
    payer::{self, Outcome},
    Currency, Millis, Money,
};
use vipps_store::Stored;

use super::{
    problem::EcomProblem,
    service::{self, Approved, Ecom},
};
use crate::{
    kernel::{problem::ApiError, versioned},
    web::{
        payer::{
            Approval, ConsentRemoval, Ending, Express, HistoryRow, OnPayerPages, Paid,
            PayerPayment, ShippingRow,
        },
        ErrorPage,
    },
    AppState,
};

impl From<EcomProblem> for ErrorPage {
    fn from(p: EcomProblem) -> Self {
        let e = p.0;
        ErrorPage::new(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "The payment could not be changed".into(),
            e.message,
        )
    }
}

fn paid(p: Payment) -> Paid {
    Box::new(p)
}

fn nok(ore: i64) -> String {
    Money::new(ore, Currency::Nok).to_string()
}

/// The options by priority, the one approval would take pre-selected: the
/// payer's earlier pick if it is still offered, else the domain's default.
fn shipping_rows(
    amount: i64,
    list: &[ecom::ShippingOption],
    chosen: Option<&str>,
) -> Vec<ShippingRow> {
    let preselected = chosen
        .and_then(|id| choose_shipping(list, Some(id)).ok())
        .or_else(|| choose_shipping(list, None).ok())
        .map(|o| o.method_id.clone());
    let mut sorted: Vec<&ecom::ShippingOption> = list.iter().collect();
    sorted.sort_by_key(|o| o.priority);
    sorted
        .into_iter()
        .map(|o| ShippingRow {
            id: o.method_id.clone(),
            method: o.method.clone(),
            cost: nok(o.cost_ore),
            total: nok(amount + o.cost_ore),
            checked: preselected.as_deref() == Some(o.method_id.as_str()),
        })
        .collect()
}

impl PayerPayment for Payment {
    fn token(&self) -> &str {
        &self.token
    }

    fn api(&self) -> &'static str {
        "eCom"
    }

    fn reference(&self) -> &str {
        &self.order_id
    }

    /// `transactionLogHistory`, oldest first.
    fn history<'a>(&'a self, _st: &'a AppState) -> BoxFuture<'a, anyhow::Result<Vec<HistoryRow>>> {
        let rows = self
            .log
            .iter()
            .map(|e| HistoryRow {
                at: e.timestamp,
                what: e.operation.as_str().to_owned(),
                amount: nok(e.amount),
                success: e.success,
            })
            .collect();
        Box::pin(async move { Ok(rows) })
    }

    fn order_id(&self) -> Option<&str> {
        Some(&self.order_id)
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
        self.state == State::Initiate
    }

    fn return_url(&self) -> Option<&str> {
        Some(&self.fallback)
    }

    /// For express, shipping is added once chosen.
    fn amount(&self) -> String {
        nok(self.total())
    }

    fn description(&self) -> Option<String> {
        Some(self.transaction_text.clone())
    }

    /// `customerInfo.mobileNumber`: 8 digits.
    fn prefilled_phone(&self) -> String {
        self.mobile_number.clone().unwrap_or_default()
    }

    /// eCom only knows Norwegian 8-digit numbers.
    fn phone_refusal(&self, msisdn: &str) -> Option<&'static str> {
        let norwegian = msisdn
            .strip_prefix("47")
            .and_then(ecom::normalise_mobile)
            .is_some();
        (!norwegian).then_some("it needs a Norwegian mobile number, 8 digits (e.g. 12345678).")
    }

    /// eCom keeps no reason, only the failed RESERVE (or SALE) entry; the
    /// test payer's outcome says why.
    fn decline_for(&self, phone: &str) -> Option<String> {
        let last = self.log.last()?;
        let failed =
            !last.success && matches!(last.operation, Operation::Reserve | Operation::Sale);
        match payer::payer(phone).outcome {
            Outcome::Declines(why) if failed => Some(why.to_owned()),
            _ => None,
        }
    }

    fn express(&self, chosen: Option<&str>) -> Option<Express> {
        if !self.express {
            return None;
        }
        let a = default_address();
        let address = [
            a.address_line1,
            a.address_line2,
            format!("{} {}", a.post_code, a.city),
        ]
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
        Some(Express {
            address,
            options: self
                .shipping_options()
                .map(|list| shipping_rows(self.amount, list, chosen)),
        })
    }

    fn outcome(&self) -> Ending {
        let (heading, message, good) = match self.state {
            State::Initiate => ("Waiting for the payer", "The payment is open.", true),
            State::Reserve => (
                "Payment approved",
                "The payment is approved. The merchant will complete the order.",
                true,
            ),
            State::Sale => (
                "Payment approved",
                "The payment is approved and charged.",
                true,
            ),
            State::Cancel if self.cancelled_by() == Some(ecom::CancelCause::Timeout) => (
                "Payment expired",
                "The payment has expired: it was not approved in time. Nothing was charged.",
                false,
            ),
            State::Cancel => (
                "Payment cancelled",
                "The payment was rejected or cancelled. Nothing was charged.",
                false,
            ),
            State::Void => (
                "Payment cancelled",
                "The merchant cancelled this payment and released the reservation.",
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

    /// An express payment the payer approved: the merchant holds their profile.
    fn has_consent(&self) -> bool {
        self.express && self.user.is_some() && self.consent_removal_prefix.is_some()
    }

    fn expire_now<'a>(
        &'a self,
        st: &'a AppState,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            let now = st.clock.now_for(&self.msn);
            let s = versioned::expired_now::<Ecom, EcomProblem>(st, &self.msn, &self.order_id, now)
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
            let s =
                versioned::settled::<Ecom, EcomProblem>(st, &self.msn, &self.order_id, now).await?;
            Ok(s.map(|s| paid(s.payment)))
        })
    }

    /// Opening an express payment asks the merchant for its shipping
    /// options, as the app does once it knows the address.
    fn opened<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, (Option<Paid>, Option<String>)> {
        Box::pin(async move {
            if !self.express {
                return (None, None);
            }
            match service::offer_shipping(st, &self.msn, &self.order_id).await {
                Ok(p) => (Some(paid(p)), None),
                Err(problem) => (None, Some(problem.0.message)),
            }
        })
    }

    /// A decline or a failing shipping-details call leaves the payment open.
    fn approve<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        shipping_method_id: Option<String>,
    ) -> BoxFuture<'a, Approval> {
        Box::pin(async move {
            let out =
                service::approve_ecom(st, &self.msn, &self.order_id, phone, shipping_method_id)
                    .await;
            match out {
                Ok(Approved::Yes(p)) => Approval::Approved(paid(p)),
                Ok(Approved::Declined(p, why)) => Approval::Declined(paid(p), why.message),
                Err(problem) if problem.status() >= 500 => Approval::Failed(problem.into()),
                Err(problem) => Approval::Refused(
                    StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::BAD_REQUEST),
                    problem.0.message,
                ),
            }
        })
    }

    fn reject<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<Paid, ErrorPage>> {
        Box::pin(async move {
            Ok(paid(
                service::reject_ecom(st, &self.msn, &self.order_id).await?,
            ))
        })
    }

    fn remove_consent<'a>(
        &'a self,
        st: &'a AppState,
    ) -> BoxFuture<'a, Result<ConsentRemoval, ErrorPage>> {
        Box::pin(async move { Ok(service::remove_consent(st, &self.msn, &self.order_id).await?) })
    }
}

impl OnPayerPages for Ecom {
    type Problem = EcomProblem;

    async fn by_token(st: &AppState, token: &str) -> anyhow::Result<Option<Stored<Payment>>> {
        st.db.ecom_payment_by_token(token).await
    }

    /// Payments whose merchant prefilled this phone (skipLandingPage ones
    /// arrive only here).
    async fn for_phone(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.ecom_payments_for_phone(phone, limit).await
    }

    async fn paid_by(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.ecom_payments_paid_by(phone, limit).await
    }

    async fn recent(
        st: &AppState,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.recent_ecom_payments(msn, limit).await
    }
}
