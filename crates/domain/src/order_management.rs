//! Order Management: the images, categories and receipts a merchant attaches
//! to its orders so the payer sees them in the app
//! (docs/compatibility.md#order-management). Orders are keyed by (merchant,
//! payment type, order id) and need not exist yet: data may precede the
//! payment.

mod image_check;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use image_check::{check_image, CheckedImage, ImageFormat, MAX_IMAGE_BYTES, MIN_IMAGE_HEIGHT};

use crate::urls;

/// `paymentType` in paths and bodies: `ECOM` (eCom, ePayment, Checkout) or
/// `RECURRING`. The guide writes `ecom`, so any case is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentType {
    Ecom,
    Recurring,
}

impl PaymentType {
    pub fn parse(s: &str) -> Option<PaymentType> {
        if s.eq_ignore_ascii_case("ECOM") {
            Some(PaymentType::Ecom)
        } else if s.eq_ignore_ascii_case("RECURRING") {
            Some(PaymentType::Recurring)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentType::Ecom => "ECOM",
            PaymentType::Recurring => "RECURRING",
        }
    }
}

/// What kind of link a category puts on the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CategoryType {
    General,
    Receipt,
    OrderConfirmation,
    Delivery,
    Ticket,
    Booking,
}

impl CategoryType {
    pub const ALL: [CategoryType; 6] = [
        CategoryType::General,
        CategoryType::Receipt,
        CategoryType::OrderConfirmation,
        CategoryType::Delivery,
        CategoryType::Ticket,
        CategoryType::Booking,
    ];

    pub fn parse(s: &str) -> Option<CategoryType> {
        CategoryType::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CategoryType::General => "GENERAL",
            CategoryType::Receipt => "RECEIPT",
            CategoryType::OrderConfirmation => "ORDER_CONFIRMATION",
            CategoryType::Delivery => "DELIVERY",
            CategoryType::Ticket => "TICKET",
            CategoryType::Booking => "BOOKING",
        }
    }

    /// How the payer pages name it.
    pub fn label(self) -> &'static str {
        match self {
            CategoryType::General => "Order details",
            CategoryType::Receipt => "Receipt",
            CategoryType::OrderConfirmation => "Order confirmation",
            CategoryType::Delivery => "Delivery",
            CategoryType::Ticket => "Ticket",
            CategoryType::Booking => "Booking",
        }
    }
}

/// An id as the spec's `^[0-9A-Za-z-_\.]+$` allows, at most `max` long.
fn is_id(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// An order id: `^[0-9A-Za-z-_\.]+$`, at most 255 characters (the spec
/// sets no length; this bound is the sandbox's).
pub fn is_order_id(s: &str) -> bool {
    is_id(s, 255)
}

/// An image id: `^[0-9A-Za-z-_\.]+$`, at most 128 characters.
pub fn is_image_id(s: &str) -> bool {
    is_id(s, 128)
}

/// The order an order path names: a known payment type (any case) and an
/// order id of the spec's pattern; both are checked.
pub fn order_path(payment_type: &str, order_id: &str) -> Result<PaymentType, OmError> {
    let mut invalid = Invalid::default();
    let pt = PaymentType::parse(payment_type);
    if pt.is_none() {
        invalid.add("paymentType", "The paymentType must be ECOM or RECURRING.");
    }
    if !is_order_id(order_id) {
        invalid.add("orderId", "The orderId must match ^[0-9A-Za-z-_\\.]+$.");
    }
    invalid.finish(|| pt.unwrap_or(PaymentType::Ecom))
}

/// One invalid field, as `invalidParams` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParam {
    pub name: String,
    pub reason: String,
}

/// An Order Management error before it becomes the problem body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmError {
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub invalid: Vec<InvalidParam>,
}

impl OmError {
    pub fn new(status: u16, title: &str, detail: impl Into<String>) -> OmError {
        OmError {
            status,
            title: title.to_owned(),
            detail: detail.into(),
            invalid: Vec::new(),
        }
    }

    /// A 400 naming every invalid field.
    pub fn invalid(invalid: Vec<InvalidParam>) -> OmError {
        OmError {
            status: 400,
            title: "One or more validation errors occurred.".into(),
            detail: "BadRequest".into(),
            invalid,
        }
    }

    pub fn field(name: &str, reason: impl Into<String>) -> OmError {
        OmError::invalid(vec![InvalidParam {
            name: name.to_owned(),
            reason: reason.into(),
        }])
    }

    pub fn not_found(detail: impl Into<String>) -> OmError {
        OmError::new(404, "Not Found", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> OmError {
        OmError::new(409, "Conflict", detail)
    }
}

/// A receipt's rule breaks, each an invalid param.
impl From<Vec<crate::receipt::FieldError>> for OmError {
    fn from(errors: Vec<crate::receipt::FieldError>) -> OmError {
        OmError::invalid(
            errors
                .into_iter()
                .map(|e| InvalidParam {
                    name: e.field,
                    reason: e.reason,
                })
                .collect(),
        )
    }
}

/// Collects invalid fields so a request names all of them at once.
#[derive(Default)]
struct Invalid(Vec<InvalidParam>);

impl Invalid {
    fn add(&mut self, name: &str, reason: impl Into<String>) {
        self.0.push(InvalidParam {
            name: name.to_owned(),
            reason: reason.into(),
        });
    }

    fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, OmError> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(OmError::invalid(self.0))
        }
    }
}

/// A link back to the merchant: an absolute URI of at most 2048 characters.
fn check_url(invalid: &mut Invalid, name: &str, url: Option<&str>) -> String {
    match url {
        None | Some("") => invalid.add(name, format!("The {name} field is required.")),
        Some(u) if u.len() > 2048 || urls::parse_absolute(u).is_none() => invalid.add(
            name,
            format!("The {name} field is not a valid absolute URI."),
        ),
        Some(u) => return u.to_owned(),
    }
    String::new()
}

fn check_image_id(invalid: &mut Invalid, name: &str, id: Option<&str>) -> Option<String> {
    let id = id?;
    if !is_image_id(id) {
        invalid.add(
            name,
            "The imageId must match ^[0-9A-Za-z-_\\.]+$ and be at most 128 characters.",
        );
    }
    Some(id.to_owned())
}

fn check_type(invalid: &mut Invalid, name: &str, t: Option<&str>) -> CategoryType {
    match t.map(|t| (t, CategoryType::parse(t))) {
        Some((_, Some(c))) => return c,
        None => invalid.add(name, format!("The {name} field is required.")),
        Some((t, None)) => invalid.add(
            name,
            format!(
                "'{t}' is not one of GENERAL, RECEIPT, ORDER_CONFIRMATION, DELIVERY, TICKET, BOOKING."
            ),
        ),
    }
    CategoryType::General
}

/// A category of an order (v2: one per order, the last wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub category: CategoryType,
    pub order_details_url: String,
    pub image_id: Option<String>,
}

impl Category {
    /// `PUT …/categories/{orderId}`'s body, checked.
    pub fn new(
        category: Option<&str>,
        order_details_url: Option<&str>,
        image_id: Option<&str>,
    ) -> Result<Category, OmError> {
        let mut invalid = Invalid::default();
        let category = check_type(&mut invalid, "category", category);
        let url = check_url(&mut invalid, "orderDetailsUrl", order_details_url);
        let image_id = check_image_id(&mut invalid, "imageId", image_id);
        invalid.finish(|| Category {
            category,
            order_details_url: url,
            image_id,
        })
    }
}

/// A v3 category: its own id, any number per order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryV3 {
    pub category_id: String,
    pub order_id: String,
    pub payment_type: PaymentType,
    pub category: CategoryType,
    pub url: String,
    pub image_id: Option<String>,
    pub created_at: crate::Millis,
}

/// `POST /v3/categories`'s body, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct NewCategoryV3 {
    pub order_id: Option<String>,
    pub payment_type: Option<String>,
    pub category: Option<String>,
    pub url: Option<String>,
    pub image_id: Option<String>,
}

impl NewCategoryV3 {
    pub fn check(self, category_id: String, now: crate::Millis) -> Result<CategoryV3, OmError> {
        let mut invalid = Invalid::default();
        let order_id = match self.order_id.as_deref() {
            Some(id) if is_order_id(id) => id.to_owned(),
            None => {
                invalid.add("orderId", "The orderId field is required.");
                String::new()
            }
            Some(_) => {
                invalid.add("orderId", "The orderId must match ^[0-9A-Za-z-_\\.]+$.");
                String::new()
            }
        };
        let payment_type = match self.payment_type.as_deref().map(PaymentType::parse) {
            Some(Some(t)) => t,
            _ => {
                invalid.add("paymentType", "The paymentType must be ECOM or RECURRING.");
                PaymentType::Ecom
            }
        };
        let category = check_type(&mut invalid, "type", self.category.as_deref());
        let url = check_url(&mut invalid, "url", self.url.as_deref());
        let image_id = check_image_id(&mut invalid, "imageId", self.image_id.as_deref());
        invalid.finish(|| CategoryV3 {
            category_id,
            order_id,
            payment_type,
            category,
            url,
            image_id,
            created_at: now,
        })
    }
}

/// `POST /v1/images`'s body, checked: the decoded image and its facts.
pub fn check_upload(
    image_id: Option<&str>,
    src: Option<&str>,
    kind: Option<&str>,
) -> Result<(String, CheckedImage), OmError> {
    let mut invalid = Invalid::default();
    let id = match image_id {
        None => {
            invalid.add("imageId", "The imageId field is required.");
            String::new()
        }
        Some(id) => check_image_id(&mut invalid, "imageId", Some(id)).unwrap_or_default(),
    };
    match kind {
        Some("base64") => {}
        None => invalid.add("type", "The type field is required."),
        Some(_) => invalid.add("type", "The type must be base64."),
    }
    let checked = match src {
        None | Some("") => {
            invalid.add("src", "The src field is required.");
            None
        }
        Some(src) => match check_image(src) {
            Ok(c) => Some(c),
            Err(reason) => {
                invalid.add("src", reason);
                None
            }
        },
    };
    let (invalid, checked) = (invalid, checked);
    match checked {
        Some(c) if invalid.0.is_empty() => Ok((id, c)),
        _ => Err(OmError::invalid(invalid.0)),
    }
}
