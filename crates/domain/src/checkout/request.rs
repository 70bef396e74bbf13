//! Creating a session: every rule of the session request
//! (docs/compatibility.md), each broken rule reported as a [`FieldError`]
//! under the field's path in the request, all of them at once.

mod config;

pub use config::{NewConfiguration, NewCountries, NewCustomConsent};

use super::{
    is_iso_country,
    logistics::{self, DeliveryType, Logistics, NewIntegrations, NewShippingOption},
    Elements, MerchantInfo, NewAmount, Prefill, Session, SessionState, UserFlow, MINIMUM_TOTAL,
    SESSION_LIFETIME,
};
use crate::{
    ids::normalise_phone,
    money::{Currency, Money, EPAYMENT_MAXIMUM},
    receipt::{FieldError, NewReceipt, Receipt, ReceiptPath},
    urls, Millis, Msn, Reference,
};

/// A session request after parsing, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSession {
    pub merchant_info: Option<NewMerchantInfo>,
    pub transaction: Option<NewTransaction>,
    pub logistics: Option<NewLogistics>,
    pub prefill_customer: Option<NewPrefill>,
    pub configuration: Option<NewConfiguration>,
    /// `type`: absent or `PAYMENT`; `SUBSCRIPTION` is refused.
    pub kind: Option<String>,
}

/// `merchantInfo` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMerchantInfo {
    pub callback_url: Option<String>,
    pub return_url: Option<String>,
    pub callback_authorization_token: Option<String>,
    pub terms_and_conditions_url: Option<String>,
}

/// `transaction` as sent; `orderSummary` with its `orderBottomLine` as the
/// receipt's bottom line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewTransaction {
    pub amount: Option<NewAmount>,
    pub reference: Option<String>,
    pub payment_description: Option<String>,
    pub order_summary: Option<NewReceipt>,
}

/// `logistics` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewLogistics {
    pub dynamic_options_callback: Option<String>,
    pub fixed_options: Option<Vec<NewShippingOption>>,
    pub integrations: Option<NewIntegrations>,
}

/// `prefillCustomer` as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewPrefill {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// Longest `callbackAuthorizationToken` accepted.
const TOKEN_MAX: usize = 4096;

/// The field errors found so far.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }

    fn required<'a, T>(&mut self, field: &str, v: &'a Option<T>) -> Option<&'a T> {
        if v.is_none() {
            let name = field.rsplit('.').next().unwrap_or(field);
            self.add(field, format!("{name} is required"));
        }
        v.as_ref()
    }
}

/// A header-safe token: visible ASCII and spaces.
fn is_header_value(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn merchant_info(
    m: Option<NewMerchantInfo>,
    flow: UserFlow,
    e: &mut Errors,
) -> Option<MerchantInfo> {
    let Some(m) = m else {
        e.add("merchantInfo", "merchantInfo is required");
        return None;
    };
    let callback = e
        .required("merchantInfo.callbackUrl", &m.callback_url)
        .cloned();
    if let Some(url) = &callback {
        if urls::parse_target(url).is_none() {
            e.add(
                "merchantInfo.callbackUrl",
                "callbackUrl must be an absolute http or https URL the sandbox can call",
            );
        }
    }
    let ret = e.required("merchantInfo.returnUrl", &m.return_url).cloned();
    if let Some(url) = &ret {
        let app_scheme =
            urls::parse_absolute(url).is_some_and(|u| !matches!(u.scheme(), "http" | "https"));
        match (urls::parse_target(url).is_some(), app_scheme, flow) {
            (true, ..) | (false, true, UserFlow::NativeRedirect) => {}
            (false, true, UserFlow::WebRedirect) => e.add(
                "merchantInfo.returnUrl",
                "returnUrl may use an app's own scheme only with configuration.userFlow NATIVE_REDIRECT",
            ),
            (false, false, _) => e.add(
                "merchantInfo.returnUrl",
                "returnUrl must be an absolute http or https URL (or an app URL with NATIVE_REDIRECT)",
            ),
        }
    }
    let token = e
        .required(
            "merchantInfo.callbackAuthorizationToken",
            &m.callback_authorization_token,
        )
        .cloned();
    if let Some(t) = &token {
        if t.is_empty() || t.len() > TOKEN_MAX || !is_header_value(t) {
            e.add(
                "merchantInfo.callbackAuthorizationToken",
                format!(
                    "callbackAuthorizationToken must be 1-{TOKEN_MAX} visible ASCII characters"
                ),
            );
        }
    }
    if let Some(url) = &m.terms_and_conditions_url {
        if urls::parse_target(url).is_none() {
            e.add(
                "merchantInfo.termsAndConditionsUrl",
                "termsAndConditionsUrl must be an absolute http or https URL",
            );
        }
    }
    Some(MerchantInfo {
        callback_url: callback?,
        return_url: ret?,
        callback_authorization_token: token?,
        terms_and_conditions_url: m.terms_and_conditions_url,
    })
}

fn amount(a: &NewAmount, e: &mut Errors) -> Option<Money> {
    let currency = Currency::parse(&a.currency);
    if currency.is_none() {
        e.add(
            "transaction.amount.currency",
            format!("currency '{}' is not one of NOK, DKK, EUR", a.currency),
        );
    }
    if a.value < 0 {
        e.add("transaction.amount.value", "value must not be negative");
    } else if a.value > EPAYMENT_MAXIMUM {
        e.add(
            "transaction.amount.value",
            format!("value must be at most {EPAYMENT_MAXIMUM}"),
        );
    }
    Some(Money::new(a.value, currency?))
}

struct Transaction {
    amount: Option<Money>,
    reference: Option<String>,
    description: Option<String>,
    order_summary: Option<Receipt>,
}

fn transaction(t: Option<NewTransaction>, e: &mut Errors) -> Transaction {
    let Some(t) = t else {
        e.add("transaction", "transaction is required");
        return Transaction {
            amount: None,
            reference: None,
            description: None,
            order_summary: None,
        };
    };
    let money = e
        .required("transaction.amount", &t.amount)
        .and_then(|a| amount(a, e));
    let reference = e
        .required("transaction.reference", &t.reference)
        .and_then(|r| {
            let parsed = Reference::parse_new(r);
            if parsed.is_none() {
                e.add(
                    "transaction.reference",
                    "reference must be 8-50 characters of a-z, A-Z, 0-9 and '-'",
                );
            }
            parsed.map(Reference::into_string)
        });
    let description = e
        .required("transaction.paymentDescription", &t.payment_description)
        .and_then(|d| {
            let ok = (3..=100).contains(&d.chars().count()) && !d.chars().any(char::is_control);
            if !ok {
                e.add(
                    "transaction.paymentDescription",
                    "paymentDescription must be 3-100 characters, without control characters",
                );
            }
            ok.then(|| d.clone())
        });
    let order_summary = t
        .order_summary
        .and_then(|s| match s.validate(&ReceiptPath::CHECKOUT) {
            Ok(r) => {
                if let Some(err) =
                    money.and_then(|m| r.expect_currency(m.currency, &ReceiptPath::CHECKOUT))
                {
                    e.0.push(err);
                }
                Some(r)
            }
            Err(errors) => {
                e.0.extend(errors);
                None
            }
        });
    Transaction {
        amount: money,
        reference,
        description,
        order_summary,
    }
}

fn logistics(
    l: Option<NewLogistics>,
    elements: Elements,
    currency: Option<Currency>,
    e: &mut Errors,
) -> Logistics {
    let Some(l) = l else {
        return Logistics::default();
    };
    let no_address = elements != Elements::Full;
    if let Some(url) = &l.dynamic_options_callback {
        if urls::parse_target(url).is_none() {
            e.add(
                "logistics.dynamicOptionsCallback",
                "dynamicOptionsCallback must be an absolute http or https URL the sandbox can call",
            );
        }
        if no_address {
            e.add(
                "logistics.dynamicOptionsCallback",
                "dynamicOptionsCallback needs the address fields (configuration.elements Full)",
            );
        }
    }
    if l.integrations.is_some() && no_address {
        e.add(
            "logistics.integrations",
            "integrations need the address fields (configuration.elements Full)",
        );
    }
    let integrations = l
        .integrations
        .map(|i| logistics::validate_integrations(i, &mut e.0))
        .unwrap_or_default();
    let options = l.fixed_options.unwrap_or_default();
    let kinds: Vec<Option<String>> = options.iter().map(|o| o.kind.clone()).collect();
    let fixed_options =
        match logistics::validate_options(options, currency, "logistics.fixedOptions") {
            Ok(options) => options,
            Err(errors) => {
                e.0.extend(errors);
                Vec::new()
            }
        };
    if no_address {
        for (i, kind) in kinds.iter().enumerate() {
            if kind
                .as_deref()
                .and_then(DeliveryType::parse)
                .is_some_and(DeliveryType::needs_address)
            {
                e.add(
                    &format!("logistics.fixedOptions[{i}].type"),
                    "delivery to the shopper's address needs the address fields (configuration.elements Full)",
                );
            }
        }
    }
    Logistics {
        fixed_options,
        dynamic_options_callback: l.dynamic_options_callback,
        integrations,
    }
}

fn prefill(p: Option<NewPrefill>, countries: &Option<Vec<String>>) -> Prefill {
    let Some(p) = p else {
        return Prefill::default();
    };
    let text = |v: Option<String>| v.filter(|s| !s.trim().is_empty() && s.chars().count() <= 200);
    let country = p
        .country
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| is_iso_country(c))
        .filter(|c| countries.as_ref().is_none_or(|list| list.contains(c)));
    Prefill {
        first_name: text(p.first_name),
        last_name: text(p.last_name),
        email: p.email.filter(|m| super::shopper::is_email(m)),
        phone_number: p.phone_number.as_deref().and_then(normalise_phone),
        street_address: text(p.street_address),
        city: text(p.city),
        postal_code: text(p.postal_code),
        country,
    }
}

impl NewSession {
    /// Checks every rule of the request and builds the session in
    /// `SessionCreated`, or names every invalid field.
    pub fn create(
        self,
        msn: &Msn,
        session_id: String,
        token: String,
        now: Millis,
    ) -> Result<Session, Vec<FieldError>> {
        let mut e = Errors::default();
        match self.kind.as_deref() {
            None => {}
            Some(k) if k.eq_ignore_ascii_case("PAYMENT") => {}
            Some(k) if k.eq_ignore_ascii_case("SUBSCRIPTION") => e.add(
                "type",
                "Subscription sessions are not supported by the sandbox",
            ),
            Some(k) => e.add("type", format!("'{k}' is not one of PAYMENT, SUBSCRIPTION")),
        }
        let config = config::configuration(self.configuration.unwrap_or_default(), &mut e);
        let merchant = merchant_info(self.merchant_info, config.user_flow, &mut e);
        let t = transaction(self.transaction, &mut e);
        if config.show_order_summary
            && t.order_summary.is_none()
            && e.0
                .iter()
                .all(|x| !x.field.starts_with("transaction.orderSummary"))
        {
            e.add(
                "configuration.showOrderSummary",
                "showOrderSummary needs transaction.orderSummary",
            );
        }
        let logistics = logistics(
            self.logistics,
            config.elements,
            t.amount.map(|m| m.currency),
            &mut e,
        );
        if let Some(goods) = t.amount {
            let reachable = logistics.dynamic_options_callback.is_some()
                || logistics
                    .fixed_options
                    .iter()
                    .any(|o| super::payment_total(goods, Some(o.price(goods.currency))).is_ok());
            let options_refused =
                e.0.iter()
                    .any(|x| x.field.starts_with("logistics.fixedOptions"));
            if goods.value < MINIMUM_TOTAL && !reachable && !options_refused {
                e.add(
                    "transaction.amount.value",
                    format!(
                        "value must be at least {MINIMUM_TOTAL} unless a shipping option makes up the difference"
                    ),
                );
            }
        }
        let prefill = prefill(self.prefill_customer, &config.countries);
        let (Some(merchant), Some(amount), Some(reference), Some(description), true) = (
            merchant,
            t.amount,
            t.reference,
            t.description,
            e.0.is_empty(),
        ) else {
            return Err(e.0);
        };
        Ok(Session {
            msn: msn.to_string(),
            session_id,
            token,
            reference,
            merchant,
            amount,
            description,
            order_summary: t.order_summary,
            logistics,
            config,
            prefill,
            state: SessionState::SessionCreated,
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
            shopper: None,
            payment_amount: None,
            initiated_at: None,
            ended_at: None,
        })
    }
}
