//! Checkout logistics: shipping options by brand and type, the default
//! option, merging a dynamic-options answer with the fixed options, and the
//! sandbox's own pickup points (docs/compatibility.md).

use serde::{Deserialize, Serialize};

use super::NewAmount;

mod integrations;
mod pickup;

use crate::{
    money::{Currency, Money, EPAYMENT_MAXIMUM},
    receipt::FieldError,
};
pub(super) use integrations::validate as validate_integrations;
pub use integrations::{
    Helthjem, Integrations, NewHelthjem, NewIntegrations, NewOriginAddress, NewPorterbuddy,
    NewPorterbuddyOrigin, Porterbuddy,
};
pub use pickup::{pickup_points, PickupPoint};

/// What a PORTERBUDDY option sent without `amount` costs: the carrier
/// prices it, and the sandbox's carrier asks 99.00.
pub const PORTERBUDDY_PRICE: i64 = 9_900;

/// Carrier of a shipping option (`brand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Brand {
    Posten,
    Postnord,
    Porterbuddy,
    Helthjem,
    Posti,
    Gls,
    Dao,
    /// Any other carrier, named by the option's `title`.
    Other,
}

/// How a shipping option delivers (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeliveryType {
    Mailbox,
    PickupPoint,
    HomeDelivery,
}

impl DeliveryType {
    /// The type from its spec name.
    pub fn parse(s: &str) -> Option<DeliveryType> {
        Some(match s {
            "MAILBOX" => DeliveryType::Mailbox,
            "PICKUP_POINT" => DeliveryType::PickupPoint,
            "HOME_DELIVERY" => DeliveryType::HomeDelivery,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryType::Mailbox => "MAILBOX",
            DeliveryType::PickupPoint => "PICKUP_POINT",
            DeliveryType::HomeDelivery => "HOME_DELIVERY",
        }
    }

    /// Delivered to the shopper's address, which must then be known.
    pub fn needs_address(self) -> bool {
        self != DeliveryType::PickupPoint
    }
}

impl Brand {
    /// Every brand, in the spec's order.
    pub const ALL: [Brand; 8] = [
        Brand::Posten,
        Brand::Postnord,
        Brand::Porterbuddy,
        Brand::Helthjem,
        Brand::Posti,
        Brand::Gls,
        Brand::Dao,
        Brand::Other,
    ];

    /// The brand from its spec name.
    pub fn parse(s: &str) -> Option<Brand> {
        Brand::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The spec name.
    pub fn as_str(self) -> &'static str {
        match self {
            Brand::Posten => "POSTEN",
            Brand::Postnord => "POSTNORD",
            Brand::Porterbuddy => "PORTERBUDDY",
            Brand::Helthjem => "HELTHJEM",
            Brand::Posti => "POSTI",
            Brand::Gls => "GLS",
            Brand::Dao => "DAO",
            Brand::Other => "OTHER",
        }
    }

    /// How the brand is written for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Brand::Posten => "Posten",
            Brand::Postnord => "PostNord",
            Brand::Porterbuddy => "Porterbuddy",
            Brand::Helthjem => "Helthjem",
            Brand::Posti => "Posti",
            Brand::Gls => "GLS",
            Brand::Dao => "DAO",
            Brand::Other => "Shipping",
        }
    }

    /// The types the brand's option may have (`OTHER` has no `type`).
    pub fn types(self) -> &'static [DeliveryType] {
        use DeliveryType::*;
        match self {
            Brand::Posten => &[Mailbox, PickupPoint, HomeDelivery],
            Brand::Postnord => &[PickupPoint, HomeDelivery],
            Brand::Porterbuddy => &[HomeDelivery],
            Brand::Helthjem => &[HomeDelivery, PickupPoint],
            Brand::Posti => &[Mailbox, PickupPoint],
            Brand::Gls => &[PickupPoint],
            Brand::Dao => &[HomeDelivery, PickupPoint],
            Brand::Other => &[],
        }
    }

    /// The brand delivers to pickup points the shopper chooses among.
    pub fn has_pickup_points(self) -> bool {
        self.types().contains(&DeliveryType::PickupPoint)
    }
}

/// A shipping option as sent, fixed or in a dynamic-options answer
/// (fields as the spec's `…LogisticsOption`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewShippingOption {
    /// `brand` as sent.
    pub brand: String,
    /// 1–200 characters.
    pub id: Option<String>,
    /// Display order, ≥ 0.
    pub priority: Option<i64>,
    /// Pre-selected for the shopper.
    pub is_default: Option<bool>,
    /// Shown under the price.
    /// Shown under the price.
    pub description: Option<String>,
    /// The price; required except for PORTERBUDDY.
    pub amount: Option<NewAmount>,
    /// `type` as sent.
    pub kind: Option<String>,
    /// The merchant's own name for the type.
    pub custom_type: Option<String>,
    /// `title` (OTHER only).
    pub title: Option<String>,
    /// VAT of the price, 0–10000.
    pub tax_rate: Option<i64>,
}

/// A validated shipping option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingOption {
    /// The carrier.
    pub brand: Brand,
    /// 1–200 characters, unique among the options.
    pub id: String,
    /// Display order, lowest first.
    pub priority: i64,
    /// Pre-selected for the shopper.
    pub is_default: bool,
    pub description: Option<String>,
    /// The price; `None` only for PORTERBUDDY (priced by the carrier).
    pub amount: Option<Money>,
    /// How it delivers, if said.
    pub kind: Option<DeliveryType>,
    /// The merchant's own name for the type.
    pub custom_type: Option<String>,
    /// The name of an OTHER option.
    pub title: Option<String>,
    /// VAT of the price, hundredths of a percent.
    pub tax_rate: Option<i64>,
}

impl ShippingOption {
    /// What choosing the option costs in `currency`.
    pub fn price(&self, currency: Currency) -> Money {
        self.amount
            .unwrap_or(Money::new(PORTERBUDDY_PRICE, currency))
    }

    /// The shopper picks a pickup point for this option.
    pub fn needs_pickup_point(&self) -> bool {
        self.kind == Some(DeliveryType::PickupPoint) && self.brand.has_pickup_points()
    }

    /// How the option is named to people: its title, or brand and type.
    pub fn label(&self) -> String {
        if let Some(t) = &self.title {
            return t.clone();
        }
        let kind = self.custom_type.as_deref().or(self.kind.map(|k| match k {
            DeliveryType::Mailbox => "mailbox",
            DeliveryType::PickupPoint => "pickup point",
            DeliveryType::HomeDelivery => "home delivery",
        }));
        match kind {
            Some(k) => format!("{} {k}", self.brand.display_name()),
            None => self.brand.display_name().to_owned(),
        }
    }
}

/// Validated `logistics`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logistics {
    /// Sorted by priority (stable).
    pub fixed_options: Vec<ShippingOption>,
    /// Asked for options for each address (a sendable URL).
    pub dynamic_options_callback: Option<String>,
    /// Carrier accounts.
    pub integrations: Integrations,
}

impl Logistics {
    /// No shipping at all: neither fixed options nor a callback.
    pub fn is_empty(&self) -> bool {
        self.fixed_options.is_empty() && self.dynamic_options_callback.is_none()
    }
}

/// Checks options; errors are named `{at}[i].field` (`at` is e.g.
/// `logistics.fixedOptions`, or empty for a dynamic answer). `currency` is
/// the session's, when known; prices must be in it.
pub fn validate_options(
    options: Vec<NewShippingOption>,
    currency: Option<Currency>,
    at: &str,
) -> Result<Vec<ShippingOption>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    for (i, o) in options.into_iter().enumerate() {
        let field = |f: &str| format!("{at}[{i}].{f}");
        let mut err = |f: &str, why: String| errors.push(FieldError::new(field(f), why));
        let brand = Brand::parse(&o.brand);
        if brand.is_none() {
            err(
                "brand",
                format!(
                    "brand '{}' is not one of POSTEN, POSTNORD, PORTERBUDDY, HELTHJEM, POSTI, GLS, DAO, OTHER",
                    o.brand
                ),
            );
        }
        match &o.id {
            None => err("id", "id is required".into()),
            Some(id) if !(1..=200).contains(&id.chars().count()) => {
                err("id", "id must be 1-200 characters".into())
            }
            Some(id) if valid_ids(&valid, id) => {
                err("id", format!("id '{id}' is used by another option"))
            }
            Some(_) => {}
        }
        match o.priority {
            None => err("priority", "priority is required".into()),
            Some(p) if p < 0 => err("priority", "priority must not be negative".into()),
            Some(_) => {}
        }
        if o.is_default.is_none() {
            err("isDefault", "isDefault is required".into());
        }
        let kind = match (&o.kind, brand) {
            (None, _) | (_, None) => None,
            (Some(_), Some(Brand::Other)) => None,
            (Some(k), Some(b)) => {
                let parsed = DeliveryType::parse(k).filter(|t| b.types().contains(t));
                if parsed.is_none() {
                    let allowed: Vec<_> = b.types().iter().map(|t| t.as_str()).collect();
                    err(
                        "type",
                        format!(
                            "type of a {} option must be one of {}",
                            b.as_str(),
                            allowed.join(", ")
                        ),
                    );
                }
                parsed
            }
        };
        let title = match (brand, &o.title) {
            (Some(Brand::Other), None) => {
                err("title", "title is required for OTHER options".into());
                None
            }
            (Some(Brand::Other), Some(t)) if !(1..=200).contains(&t.chars().count()) => {
                err("title", "title must be 1-200 characters".into());
                None
            }
            (Some(Brand::Other), Some(t)) => Some(t.clone()),
            _ => None,
        };
        let amount = match (&o.amount, brand) {
            (None, Some(Brand::Porterbuddy) | None) => None,
            (None, Some(_)) => {
                err("amount", "amount is required".into());
                None
            }
            (Some(a), _) => match Currency::parse(&a.currency) {
                None => {
                    err(
                        "amount.currency",
                        format!("currency '{}' is not one of NOK, DKK, EUR", a.currency),
                    );
                    None
                }
                Some(c) if currency.is_some_and(|s| s != c) => {
                    err(
                        "amount.currency",
                        format!(
                            "the option's currency {} differs from the transaction's {}",
                            c.as_str(),
                            currency.map_or("", Currency::as_str)
                        ),
                    );
                    None
                }
                Some(_) if a.value < 0 => {
                    err("amount.value", "amount.value must not be negative".into());
                    None
                }
                Some(_) if a.value > EPAYMENT_MAXIMUM => {
                    err(
                        "amount.value",
                        format!("amount.value must be at most {EPAYMENT_MAXIMUM}"),
                    );
                    None
                }
                Some(c) => Some(Money::new(a.value, c)),
            },
        };
        if o.tax_rate.is_some_and(|r| !(0..=10_000).contains(&r)) {
            err("taxRate", "taxRate must be 0-10000 (2500 is 25 %)".into());
        }
        if let (Some(brand), Some(id), Some(priority), Some(is_default)) =
            (brand, &o.id, o.priority, o.is_default)
        {
            valid.push(ShippingOption {
                brand,
                id: id.clone(),
                priority,
                is_default,
                description: o.description,
                amount,
                kind,
                custom_type: o.custom_type,
                title,
                tax_rate: o.tax_rate,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    valid.sort_by_key(|o| o.priority);
    Ok(valid)
}

fn valid_ids(valid: &[ShippingOption], id: &str) -> bool {
    valid.iter().any(|o| o.id == id)
}

/// The option pre-selected for the shopper: the first (by priority) marked
/// `isDefault`, else the first by priority.
pub fn default_option(options: &[ShippingOption]) -> Option<&ShippingOption> {
    let first =
        |pick: fn(&&ShippingOption) -> bool| options.iter().filter(pick).min_by_key(|o| o.priority);
    first(|o| o.is_default).or_else(|| first(|_| true))
}

/// How the merchant's dynamic-options callback answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DynamicAnswer {
    /// A 200 with a non-empty array.
    Options(Vec<NewShippingOption>),
    /// A 200 with `null` or `[]`.
    Empty,
    /// No usable answer: timeout, refused connection, non-200, unreadable
    /// body; the reason is recorded.
    Failed(String),
}

/// Where the options the shopper sees came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfferSource {
    Dynamic,
    Fixed,
}

/// The shipping options offered for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Sorted by priority; empty means the shopper cannot go on.
    pub options: Vec<ShippingOption>,
    /// Whether they came from the callback or are the fixed ones.
    pub source: OfferSource,
    /// Why a dynamic answer was not used, if one was asked for.
    pub dynamic_refused: Option<String>,
}

impl Offer {
    /// The option pre-selected for the shopper.
    pub fn default_option(&self) -> Option<&ShippingOption> {
        default_option(&self.options)
    }

    /// The option with `id`, if offered.
    pub fn find(&self, id: &str) -> Option<&ShippingOption> {
        self.options.iter().find(|o| o.id == id)
    }
}

/// The options for the shopper: a valid dynamic answer beats the fixed
/// options; an empty, failed or invalid one falls back to them. `answer`
/// is `None` when no callback was made (none configured).
pub fn offer(logistics: &Logistics, answer: Option<DynamicAnswer>, currency: Currency) -> Offer {
    let fixed = |why: Option<String>| Offer {
        options: logistics.fixed_options.clone(),
        source: OfferSource::Fixed,
        dynamic_refused: why,
    };
    match answer {
        None => fixed(None),
        Some(DynamicAnswer::Empty) => fixed(Some("The callback answered no options".into())),
        Some(DynamicAnswer::Failed(why)) => fixed(Some(why)),
        Some(DynamicAnswer::Options(options)) => {
            match validate_options(options, Some(currency), "") {
                Ok(options) if options.is_empty() => {
                    fixed(Some("The callback answered no options".into()))
                }
                Ok(options) => Offer {
                    options,
                    source: OfferSource::Dynamic,
                    dynamic_refused: None,
                },
                Err(errors) => {
                    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    fixed(Some(format!("Invalid options: {}", list.join("; "))))
                }
            }
        }
    }
}

/// What the dynamic-options callback is sent (`MerchantLogisticsCallbackRequestBody`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogisticsQuery {
    /// Street and number.
    pub street_address: String,
    /// Postal code.
    pub postal_code: String,
    /// The city.
    pub region: String,
    /// Upper-case ISO 3166-1 alpha-2.
    pub country: String,
}
