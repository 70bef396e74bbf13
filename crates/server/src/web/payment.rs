//! The one thing every payer page shows: a payment waiting for its payer,
//! whichever API created it. ePayment and eCom v2 payments share the landing
//! page, the app screen and the result page; only the service that changes
//! them differs ([`crate::service`] or [`crate::service_ecom`]).

use vipps_domain::{
    ecom::{self, choose_shipping, default_address, Operation},
    epayment::{Payment, State as PaymentState},
    payer::{self, Outcome},
    Currency, Money,
};

/// A payment as the payer pages see it. One lives for one request, so the
/// size difference of the variants does not matter.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PayerPayment {
    Epayment(Payment),
    Ecom(ecom::Payment),
}

/// How a payment that is no longer open ended, in the payer's words.
pub struct Ending {
    pub heading: &'static str,
    pub message: &'static str,
    pub good: bool,
    /// The state as the merchant's API reports it (`AUTHORIZED`, `RESERVE`…).
    pub state: &'static str,
}

impl PayerPayment {
    pub fn token(&self) -> &str {
        match self {
            PayerPayment::Epayment(p) => &p.token,
            PayerPayment::Ecom(p) => &p.token,
        }
    }

    pub fn msn(&self) -> &str {
        match self {
            PayerPayment::Epayment(p) => &p.msn,
            PayerPayment::Ecom(p) => &p.msn,
        }
    }

    pub fn created_at(&self) -> vipps_domain::Millis {
        match self {
            PayerPayment::Epayment(p) => p.created_at,
            PayerPayment::Ecom(p) => p.created_at,
        }
    }

    /// The state as its own API names it (CREATED…, INITIATE…).
    pub fn state_label(&self) -> &'static str {
        match self {
            PayerPayment::Epayment(p) => p.state.as_str(),
            PayerPayment::Ecom(p) => p.state.as_str(),
        }
    }

    /// Whether the payer may still approve or reject it.
    pub fn is_open(&self) -> bool {
        match self {
            PayerPayment::Epayment(p) => p.state == PaymentState::Created,
            PayerPayment::Ecom(p) => p.state == ecom::State::Initiate,
        }
    }

    /// Where the payer goes afterwards: `returnUrl`, or eCom's `fallBack`.
    pub fn return_url(&self) -> Option<&str> {
        match self {
            PayerPayment::Epayment(p) => p.return_url.as_deref(),
            PayerPayment::Ecom(p) => Some(&p.fallback),
        }
    }

    /// What the payer pays: for express, shipping is added once chosen.
    pub fn amount(&self) -> String {
        match self {
            PayerPayment::Epayment(p) => p.amount.to_string(),
            PayerPayment::Ecom(p) => nok(p.total()),
        }
    }

    /// The merchant's text: `paymentDescription` or `transactionText`.
    pub fn description(&self) -> Option<String> {
        match self {
            PayerPayment::Epayment(p) => p.description.clone(),
            PayerPayment::Ecom(p) => Some(p.transaction_text.clone()),
        }
    }

    /// The phone the merchant pre-filled: `customer.phoneNumber` (an
    /// MSISDN) or eCom's `customerInfo.mobileNumber` (8 digits).
    pub fn prefilled_phone(&self) -> String {
        match self {
            PayerPayment::Epayment(p) => p.customer_phone.clone(),
            PayerPayment::Ecom(p) => p.mobile_number.clone(),
        }
        .unwrap_or_default()
    }

    /// Whether `phone` (an MSISDN) can pay it: eCom only knows Norwegian
    /// 8-digit numbers (BEHAVIOR.md §1.3).
    pub fn accepts_phone(&self, phone: &str) -> bool {
        match self {
            PayerPayment::Epayment(_) => true,
            PayerPayment::Ecom(_) => phone
                .strip_prefix("47")
                .and_then(ecom::normalise_mobile)
                .is_some(),
        }
    }

    /// A decline this payer already met, so it stays visible after a reload.
    pub fn decline_for(&self, phone: &str) -> Option<String> {
        match self {
            PayerPayment::Epayment(p) => p
                .decline_reason
                .clone()
                .filter(|_| p.payer_phone.as_deref() == Some(phone)),
            // eCom keeps no reason, only the failed RESERVE (or SALE) entry;
            // the test payer's outcome says why.
            PayerPayment::Ecom(p) => {
                let last = p.log.last()?;
                let failed =
                    !last.success && matches!(last.operation, Operation::Reserve | Operation::Sale);
                match payer::payer(phone).outcome {
                    Outcome::Declines(why) if failed => Some(why.to_owned()),
                    _ => None,
                }
            }
        }
    }

    /// An express payment's address and shipping options, as the app shows
    /// them before approval; `chosen` is a method the payer picked before.
    pub fn express(&self, chosen: Option<&str>) -> Option<Express> {
        let PayerPayment::Ecom(p) = self else {
            return None;
        };
        if !p.express {
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
            options: p
                .shipping_options()
                .map(|list| shipping_rows(p.amount, list, chosen)),
        })
    }

    /// How it ended (or that it is still open).
    pub fn outcome(&self) -> Ending {
        match self {
            PayerPayment::Epayment(p) => epayment_outcome(p),
            PayerPayment::Ecom(p) => ecom_outcome(p),
        }
    }

    /// Whether the result page offers "Remove consent": an express payment
    /// the payer approved, so the merchant holds their profile.
    pub fn has_consent(&self) -> bool {
        matches!(self, PayerPayment::Ecom(p) if p.express && p.user.is_some()
            && p.consent_removal_prefix.is_some())
    }
}

fn nok(ore: i64) -> String {
    Money::new(ore, Currency::Nok).to_string()
}

/// The address the sandbox's payers share, and what the merchant offers.
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

fn epayment_outcome(p: &Payment) -> Ending {
    let (heading, message, good) = match p.state {
        PaymentState::Created => ("Waiting for the payer", "The payment is open.", true),
        PaymentState::Authorized => (
            "Payment approved",
            "The payment is approved. The merchant will complete the order.",
            true,
        ),
        PaymentState::Aborted => (
            "Payment rejected",
            "The payment was rejected. Nothing was charged.",
            false,
        ),
        PaymentState::Expired => (
            "Payment expired",
            "The payment has expired: it was not approved in time. Nothing was charged.",
            false,
        ),
        PaymentState::Terminated => (
            "Payment cancelled",
            "The merchant cancelled this payment. Nothing was charged.",
            false,
        ),
    };
    Ending {
        heading,
        message,
        good,
        state: p.state.as_str(),
    }
}

fn ecom_outcome(p: &ecom::Payment) -> Ending {
    // A payer can only reject before `expires_at`, and a merchant cancel of
    // an expired payment finds it cancelled already: a CANCEL logged at or
    // after the deadline is the timeout.
    let expired = p
        .log
        .iter()
        .rev()
        .find(|e| e.operation == Operation::Cancel && e.success)
        .is_some_and(|e| e.timestamp >= p.expires_at);
    let (heading, message, good) = match p.state {
        ecom::State::Initiate => ("Waiting for the payer", "The payment is open.", true),
        ecom::State::Reserve => (
            "Payment approved",
            "The payment is approved. The merchant will complete the order.",
            true,
        ),
        ecom::State::Sale => (
            "Payment approved",
            "The payment is approved and charged.",
            true,
        ),
        ecom::State::Cancel if expired => (
            "Payment expired",
            "The payment has expired: it was not approved in time. Nothing was charged.",
            false,
        ),
        ecom::State::Cancel => (
            "Payment cancelled",
            "The payment was rejected or cancelled. Nothing was charged.",
            false,
        ),
        ecom::State::Void => (
            "Payment cancelled",
            "The merchant cancelled this payment and released the reservation.",
            false,
        ),
    };
    Ending {
        heading,
        message,
        good,
        state: p.state.as_str(),
    }
}
