//! PSP payments on the payer pages: landing page, app, approve (which
//! waits for the PSP's makePayment answer), the hand-off to the PSP's 3-D
//! Secure page and the return from it, and reject; back to `pspRedirectUrl`.

use axum::http::StatusCode;
use futures::future::BoxFuture;
use vipps_domain::{
    psp::{network_token, Payment, Phase},
    Currency, Millis, Money,
};
use vipps_store::Stored;

use super::{problem::PspProblem, service, service::Psp};
use crate::{
    kernel::{problem::ApiError, versioned},
    web::{
        payer::{Approval, Ending, HistoryRow, OnPayerPages, Paid, PayerPayment},
        ErrorPage,
    },
    AppState,
};

impl From<PspProblem> for ErrorPage {
    fn from(p: PspProblem) -> Self {
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

/// What the payer sees after approving: the PSP's verdict.
fn after_approval(out: Result<Payment, PspProblem>) -> Approval {
    match out {
        Ok(p) => match &p.phase {
            Phase::Reserved => Approval::Approved(paid(p)),
            Phase::AwaitingThreeDs { url, .. } => Approval::Redirect(url.clone()),
            _ => Approval::Ended(paid(p)),
        },
        Err(problem) if problem.status() >= 500 => Approval::Failed(problem.into()),
        Err(problem) => Approval::Refused(
            StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::BAD_REQUEST),
            problem.0.message,
        ),
    }
}

impl PayerPayment for Payment {
    fn token(&self) -> &str {
        &self.token
    }

    fn api(&self) -> &'static str {
        "PSP"
    }

    fn reference(&self) -> &str {
        &self.psp_transaction_id
    }

    /// `transactionLogHistory`, oldest first.
    fn history<'a>(&'a self, _st: &'a AppState) -> BoxFuture<'a, anyhow::Result<Vec<HistoryRow>>> {
        let rows = self
            .log
            .iter()
            .map(|e| HistoryRow {
                at: e.timestamp,
                what: e.operation.as_str().to_owned(),
                amount: Money::new(e.amount, Currency::Nok).to_string(),
                success: e.success,
            })
            .collect();
        Box::pin(async move { Ok(rows) })
    }

    fn msn(&self) -> &str {
        &self.msn
    }

    fn created_at(&self) -> Millis {
        self.created_at
    }

    fn state_label(&self) -> &'static str {
        self.phase.label()
    }

    fn is_open(&self) -> bool {
        self.phase.is_open()
    }

    /// `pspRedirectUrl`; with `isApp` a deeplink into the merchant's app.
    fn return_url(&self) -> Option<&str> {
        Some(&self.psp_redirect_url)
    }

    fn amount(&self) -> String {
        Money::new(self.amount, Currency::Nok).to_string()
    }

    fn description(&self) -> Option<String> {
        Some(self.payment_text.clone()).filter(|t| !t.is_empty())
    }

    /// The test card the amount stands for, as the app shows a card.
    fn card(&self) -> Option<String> {
        Some(match network_token(self.amount) {
            Some(t) => {
                let brand = if t.token_type == "MASTERCARD" {
                    "Mastercard"
                } else {
                    "Visa"
                };
                format!(
                    "{brand} •••• {}, expires {}/{}",
                    &t.number[t.number.len() - 4..],
                    t.expiry_month,
                    &t.expiry_year[2..]
                )
            }
            None => "a card that is not eligible for this payment".into(),
        })
    }

    fn prefilled_phone(&self) -> String {
        self.mobile_number.clone().unwrap_or_default()
    }

    /// PSP payments take Norwegian 8-digit numbers.
    fn phone_refusal(&self, msisdn: &str) -> Option<&'static str> {
        let norwegian = msisdn
            .strip_prefix("47")
            .is_some_and(|n| n.len() == 8 && n.bytes().all(|b| b.is_ascii_digit()));
        (!norwegian).then_some("it needs a Norwegian mobile number, 8 digits (e.g. 12345678).")
    }

    /// The card is the PSP's to decline; the page shows its answer.
    fn decline_for(&self, _phone: &str) -> Option<String> {
        None
    }

    fn outcome(&self) -> Ending {
        let (heading, message, good) = match &self.phase {
            Phase::AwaitingPayer => ("Waiting for the payer", "The payment is open.".into(), true),
            Phase::AwaitingPsp { .. } => (
                "Payment processing",
                "The card payment is being processed.".into(),
                true,
            ),
            Phase::AwaitingThreeDs { .. } => (
                "Verification needed",
                "The card issuer asked for 3-D Secure verification.".into(),
                true,
            ),
            Phase::Reserved => (
                "Payment approved",
                "The payment is approved. The merchant will complete the order.".into(),
                true,
            ),
            Phase::Failed { reason } => (
                "Payment failed",
                format!("{reason}. Nothing was charged."),
                false,
            ),
            Phase::Cancelled { reason } => (
                "Payment cancelled",
                format!("{reason}. Nothing was charged."),
                false,
            ),
            Phase::Expired => (
                "Payment expired",
                "The payment has expired: it was not approved in time. Nothing was charged.".into(),
                false,
            ),
        };
        Ending {
            heading,
            message,
            good,
            state: self.phase.label(),
        }
    }

    fn expire_now<'a>(
        &'a self,
        st: &'a AppState,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            let now = st.clock.now_for(&self.msn);
            let s =
                versioned::expired_now::<Psp, PspProblem>(st, &self.msn, &self.key(), now).await?;
            Ok(s.map(|s| paid(s.payment)))
        })
    }

    fn settle_at<'a>(
        &'a self,
        st: &'a AppState,
        now: Millis,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async move {
            let s = versioned::settled::<Psp, PspProblem>(st, &self.msn, &self.key(), now).await?;
            Ok(s.map(|s| paid(s.payment)))
        })
    }

    fn approve<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        _shipping_method_id: Option<String>,
    ) -> BoxFuture<'a, Approval> {
        Box::pin(async move {
            after_approval(service::approve_psp(st, &self.msn, &self.key(), phone).await)
        })
    }

    fn three_ds_returned<'a>(&'a self, st: &'a AppState, success: bool) -> BoxFuture<'a, Approval> {
        Box::pin(async move {
            after_approval(service::three_ds_returned(st, &self.msn, &self.key(), success).await)
        })
    }

    fn reject<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<Paid, ErrorPage>> {
        Box::pin(async move { Ok(paid(service::reject_psp(st, &self.msn, &self.key()).await?)) })
    }
}

impl OnPayerPages for Psp {
    type Problem = PspProblem;

    async fn by_token(st: &AppState, token: &str) -> anyhow::Result<Option<Stored<Payment>>> {
        st.db.psp_payment_by_token(token).await
    }

    /// Payments whose PSP prefilled this phone (skipLandingPage ones
    /// arrive only here).
    async fn for_phone(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.psp_payments_for_phone(phone, limit).await
    }

    async fn recent(
        st: &AppState,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<Stored<Payment>>> {
        st.db.recent_psp_payments(msn, limit).await
    }
}
