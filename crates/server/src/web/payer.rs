//! What the payer pages need of a payment, whichever API created it. Each
//! API implements [`PayerPayment`] for its payments and [`PayerFamily`] to
//! find them (`apis/<api>/payer.rs`) and is listed in
//! [`crate::apis::PAYER_FAMILIES`]; the pages know no API. Every action goes
//! through the API's own service, exactly like a force approve, so the API,
//! its events, callbacks and webhooks see a page approval as a real one.

use std::{future::Future, marker::PhantomData};

use axum::http::StatusCode;
use futures::future::BoxFuture;
use vipps_domain::Millis;
use vipps_store::Stored;

use super::ErrorPage;
use crate::{
    kernel::{
        problem::ApiError,
        versioned::{settle_listed, Family},
    },
    AppState,
};

/// A payment as the payer pages show and change it.
pub trait PayerPayment: Send + Sync {
    fn token(&self) -> &str;

    /// The API it belongs to, as the console names it (`ePayment`, `eCom`, `PSP`).
    fn api(&self) -> &'static str;

    /// What the merchant calls it: reference, orderId or pspTransactionId.
    fn reference(&self) -> &str;

    /// Its operation or event log, oldest first, as the console shows it.
    fn history<'a>(&'a self, _st: &'a AppState) -> BoxFuture<'a, anyhow::Result<Vec<HistoryRow>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The order id Order Management data of the payment is filed under
    /// (payment type `ECOM`); `None` where Order Management does not apply.
    fn order_id(&self) -> Option<&str> {
        None
    }

    /// The merchant it is paid to.
    fn msn(&self) -> &str;

    fn created_at(&self) -> Millis;

    /// The state as its own API names it (CREATED…, INITIATE…).
    fn state_label(&self) -> &'static str;

    /// Whether the payer may still approve or reject it.
    fn is_open(&self) -> bool;

    /// Where the payer goes afterwards (`returnUrl`, eCom's `fallBack`).
    fn return_url(&self) -> Option<&str>;

    /// What the payer pays, formatted (`499.00 NOK`).
    fn amount(&self) -> String;

    /// The merchant's text about it.
    fn description(&self) -> Option<String>;

    /// The card the payment will be charged to, as the app shows it, when
    /// the payment decides it (a PSP payment's card follows its amount).
    fn card(&self) -> Option<String> {
        None
    }

    /// The phone number the merchant pre-filled, or "".
    fn prefilled_phone(&self) -> String;

    /// What a phone number needs to pay it, when `msisdn` has not got it.
    fn phone_refusal(&self, _msisdn: &str) -> Option<&'static str> {
        None
    }

    /// A decline this payer already met, so it stays visible after a reload.
    fn decline_for(&self, phone: &str) -> Option<String>;

    /// The delivery address and shipping options an express payment shows
    /// before approval; `chosen` is a method the payer picked before.
    fn express(&self, _chosen: Option<&str>) -> Option<Express> {
        None
    }

    /// How it ended (or that it is still open).
    fn outcome(&self) -> Ending;

    /// Whether the result page offers "Remove consent".
    fn has_consent(&self) -> bool {
        false
    }

    /// The payment as of `now`: a due expiry is committed first, so the
    /// page shows what the API would report. `None` if it is gone.
    fn settle_at<'a>(
        &'a self,
        st: &'a AppState,
        now: Millis,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>>;

    /// The payment as of now on its merchant's clock.
    fn settle<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        self.settle_at(st, st.clock.now_for(self.msn()))
    }

    /// Ends an open payment now as its payer window running out would: the
    /// same end state, events and notifications, at the present time.
    fn expire_now<'a>(&'a self, st: &'a AppState)
        -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>>;

    /// The payer is back on the landing page; returns the payment if that
    /// changed it.
    fn back_to_landing<'a>(
        &'a self,
        _st: &'a AppState,
    ) -> BoxFuture<'a, Result<Option<Paid>, ErrorPage>> {
        Box::pin(async { Ok(None) })
    }

    /// The payer submitted a phone number on the landing page.
    fn phone_submitted<'a>(&'a self, _st: &'a AppState) -> BoxFuture<'a, Result<(), ErrorPage>> {
        Box::pin(async { Ok(()) })
    }

    /// The payer opened it in the app: returns the payment if opening
    /// changed it, and why something the page would show failed.
    fn opened<'a>(&'a self, _st: &'a AppState) -> BoxFuture<'a, (Option<Paid>, Option<String>)> {
        Box::pin(async { (None, None) })
    }

    /// The payer approves with `phone` (an MSISDN) and, for express, the
    /// shipping method picked.
    fn approve<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        shipping_method_id: Option<String>,
    ) -> BoxFuture<'a, Approval>;

    /// The payer is back from the card issuer's 3-D Secure page (through
    /// one of the operation URLs a PSP payment hands out); `success` when
    /// it came back through `3dssuccess` with `responsecode=OK`.
    fn three_ds_returned<'a>(
        &'a self,
        _st: &'a AppState,
        _success: bool,
    ) -> BoxFuture<'a, Approval> {
        Box::pin(async {
            Approval::Failed(ErrorPage::bad_request(
                "This payment has no 3-D Secure step",
            ))
        })
    }

    /// The payer rejects it; returns it as it is afterwards.
    fn reject<'a>(&'a self, st: &'a AppState) -> BoxFuture<'a, Result<Paid, ErrorPage>>;

    /// The payer revokes the consent given with it.
    fn remove_consent<'a>(
        &'a self,
        _st: &'a AppState,
    ) -> BoxFuture<'a, Result<ConsentRemoval, ErrorPage>> {
        Box::pin(async {
            Err(ErrorPage::bad_request(
                "This payment has no consent to remove",
            ))
        })
    }
}

/// A payment of some API, as the pages hold it.
pub type Paid = Box<dyn PayerPayment>;

/// The payments of one API, as the pages find them.
pub trait PayerFamily: Sync {
    /// The payment behind a landing-page token, as stored.
    fn by_token<'a>(
        &'a self,
        st: &'a AppState,
        token: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Paid>>>;

    /// The payments waiting in a phone's inbox (newest first, at most
    /// `limit`), each as of now.
    fn for_phone<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Paid>, ErrorPage>>;

    /// The newest payments (of merchant `msn`, or of all), as stored.
    fn recent<'a>(
        &'a self,
        st: &'a AppState,
        msn: Option<&'a str>,
        limit: i64,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Paid>>>;

    /// The payments this phone approved (newest first, at most `limit`).
    fn paid_by<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Paid>, ErrorPage>>;
}

/// A payment family whose payments the pages show: how they are found.
pub trait OnPayerPages: Family<Payment: PayerPayment + 'static> {
    /// The family's API error, as the pages show it.
    type Problem: ApiError + Into<ErrorPage>;

    /// The payment behind a landing-page token, as stored.
    fn by_token(
        st: &AppState,
        token: &str,
    ) -> impl Future<Output = anyhow::Result<Option<Stored<Self::Payment>>>> + Send;

    /// The payments a phone's inbox lists, newest first, as stored.
    fn for_phone(
        st: &AppState,
        phone: &str,
        limit: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<Stored<Self::Payment>>>> + Send;

    /// The newest payments, of merchant `msn` or of all, as stored.
    fn recent(
        st: &AppState,
        msn: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<Stored<Self::Payment>>>> + Send;

    /// The payments a phone approved, newest first, as stored (none for a
    /// family without an order history).
    fn paid_by(
        _st: &AppState,
        _phone: &str,
        _limit: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<Stored<Self::Payment>>>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// The [`PayerFamily`] of a family `F` that is [`OnPayerPages`].
pub struct Pages<F>(pub PhantomData<fn() -> F>);

impl<F: OnPayerPages> PayerFamily for Pages<F> {
    fn by_token<'a>(
        &'a self,
        st: &'a AppState,
        token: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Option<Paid>>> {
        Box::pin(async move {
            let found = F::by_token(st, token).await?;
            Ok(found.map(|s| Box::new(s.payment) as Paid))
        })
    }

    /// Each listed payment as of now.
    fn for_phone<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Paid>, ErrorPage>> {
        Box::pin(async move {
            let listed = F::for_phone(st, phone, limit).await?;
            let settled = settle_listed::<F, F::Problem>(st, listed, st.clock.now())
                .await
                .map_err(Into::into)?;
            Ok(settled.into_iter().map(|p| Box::new(p) as Paid).collect())
        })
    }

    fn recent<'a>(
        &'a self,
        st: &'a AppState,
        msn: Option<&'a str>,
        limit: i64,
    ) -> BoxFuture<'a, anyhow::Result<Vec<Paid>>> {
        Box::pin(async move {
            let listed = F::recent(st, msn, limit).await?;
            Ok(listed
                .into_iter()
                .map(|s| Box::new(s.payment) as Paid)
                .collect())
        })
    }

    fn paid_by<'a>(
        &'a self,
        st: &'a AppState,
        phone: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<Paid>, ErrorPage>> {
        Box::pin(async move {
            let listed = F::paid_by(st, phone, limit).await?;
            Ok(listed
                .into_iter()
                .map(|s| Box::new(s.payment) as Paid)
                .collect())
        })
    }
}

/// What a payer's approval came to.
pub enum Approval {
    Approved(Paid),
    /// The payer's card was declined; the payment stays open.
    Declined(Paid, String),
    /// The approval ended the payment without success; the page says why.
    Ended(Paid),
    /// The payer continues on another site first (a card issuer's 3-D
    /// Secure page), which sends them back.
    Redirect(String),
    /// The API refused it (`status`, why); the page reads the payment again
    /// and shows why beside its buttons while it is open.
    Refused(StatusCode, String),
    /// Shown as an error page.
    Failed(ErrorPage),
}

/// One entry of a payment's log, as the console shows it.
pub struct HistoryRow {
    pub at: Millis,
    /// The operation or event (`CAPTURE`, `AUTHORIZED`…).
    pub what: String,
    /// The amount, formatted.
    pub amount: String,
    pub success: bool,
}

/// What the merchant answered to a consent removal.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRemoval {
    pub url: String,
    /// HTTP status, or 0 when the call failed (timeout, connection, redirect not followed).
    pub status: u16,
    pub error: Option<String>,
}

/// How a payment that is no longer open ended, in the payer's words.
pub struct Ending {
    pub heading: &'static str,
    pub message: String,
    pub good: bool,
    /// The state as the merchant's API reports it (`AUTHORIZED`, `RESERVE`…).
    pub state: &'static str,
}

/// An express payment's delivery address and what the merchant offers.
pub struct Express {
    pub address: Vec<String>,
    /// `None` while the merchant's options are not known (its
    /// shippingDetails endpoint failed to answer).
    pub options: Option<Vec<ShippingRow>>,
}

pub struct ShippingRow {
    pub id: String,
    pub method: String,
    pub cost: String,
    pub total: String,
    pub checked: bool,
}
