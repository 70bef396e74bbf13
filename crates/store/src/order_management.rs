//! Order Management: images, categories (v2 and v3) and receipts, keyed by
//! merchant, so one merchant never reads or overwrites another's. A
//! receipt's or image's insert is conditional (`ON CONFLICT DO NOTHING`
//! with a one-row check), so the second one is a conflict, decided by the
//! database even when two arrive together.

use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;
use vipps_domain::{
    order_management::{Category, CategoryV3, CheckedImage, PaymentType},
    receipt::Receipt,
    Millis,
};

use crate::{Db, WriteSet};

/// Where an order's receipt came from.
pub const FROM_ORDER_MANAGEMENT: &str = "order_management";
pub const FROM_EPAYMENT: &str = "epayment";
pub const FROM_CHECKOUT: &str = "checkout";

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialises")
}

/// A new image; a conflict if the merchant already has one with this id.
pub fn insert_image(msn: &str, image_id: &str, image: &CheckedImage, now: Millis) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "INSERT INTO om_images (msn, image_id, format, width, height, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        vec![
            msn.into(),
            image_id.into(),
            image.format.mime().into(),
            i64::from(image.width).into(),
            i64::from(image.height).into(),
            STANDARD.encode(&image.bytes).into(),
            now.into(),
        ],
    );
    w
}

/// The order's v2 category, replacing any earlier one.
pub fn upsert_category(
    msn: &str,
    payment_type: PaymentType,
    order_id: &str,
    c: &Category,
    now: Millis,
) -> WriteSet {
    let mut w = WriteSet::new();
    w.push(
        "INSERT INTO om_categories (msn, payment_type, order_id, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (msn, payment_type, order_id) \
         DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        vec![
            msn.into(),
            payment_type.as_str().into(),
            order_id.into(),
            json(c).into(),
            now.into(),
        ],
    );
    w
}

/// Adds the order's receipt to `w`. With `must_be_first` a receipt the
/// order already has makes the commit a conflict; without, the earlier
/// receipt stays and this one is dropped (an ePayment or Checkout receipt
/// for an order that already has one).
#[allow(clippy::too_many_arguments)]
pub fn add_receipt(
    w: &mut WriteSet,
    msn: &str,
    payment_type: PaymentType,
    order_id: &str,
    source: &str,
    r: &Receipt,
    now: Millis,
    must_be_first: bool,
) {
    let sql = "INSERT INTO om_receipts (msn, payment_type, order_id, source, body, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
    let args = vec![
        msn.into(),
        payment_type.as_str().into(),
        order_id.into(),
        source.into(),
        json(r).into(),
        now.into(),
    ];
    if must_be_first {
        w.push_checked(sql, args);
    } else {
        w.push(sql, args);
    }
}

pub fn insert_category_v3(msn: &str, c: &CategoryV3) -> WriteSet {
    let mut w = WriteSet::new();
    w.push(
        "INSERT INTO om_categories_v3 (category_id, msn, payment_type, order_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        vec![
            c.category_id.clone().into(),
            msn.into(),
            c.payment_type.as_str().into(),
            c.order_id.clone().into(),
            json(c).into(),
            c.created_at.into(),
        ],
    );
    w
}

/// Deletes a v3 category of `msn`; a conflict if it has none with this id.
pub fn delete_category_v3(msn: &str, category_id: &str) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "DELETE FROM om_categories_v3 WHERE category_id = $1 AND msn = $2",
        vec![category_id.into(), msn.into()],
    );
    w
}

/// What a merchant attached to one order.
#[derive(Debug, Clone, Default)]
pub struct OrderInfo {
    pub category: Option<Category>,
    pub receipt: Option<Receipt>,
    /// Which API gave the receipt.
    pub receipt_source: Option<String>,
    /// v3 categories, oldest first.
    pub categories_v3: Vec<CategoryV3>,
}

/// A stored image, as the payer pages serve it.
pub struct StoredImage {
    pub mime: String,
    pub bytes: Vec<u8>,
}

impl Db {
    pub async fn om_image_exists(&self, msn: &str, image_id: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT 1 FROM om_images WHERE msn = $1 AND image_id = $2")
            .bind(msn)
            .bind(image_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.is_some())
    }

    pub async fn om_image(&self, msn: &str, image_id: &str) -> anyhow::Result<Option<StoredImage>> {
        let row =
            sqlx::query("SELECT format, data FROM om_images WHERE msn = $1 AND image_id = $2")
                .bind(msn)
                .bind(image_id)
                .fetch_optional(self.pool())
                .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(StoredImage {
            mime: r.get(0),
            bytes: STANDARD.decode(r.get::<String, _>(1))?,
        }))
    }

    /// Everything merchant `msn` attached to order `order_id`.
    pub async fn om_order(
        &self,
        msn: &str,
        payment_type: PaymentType,
        order_id: &str,
    ) -> anyhow::Result<OrderInfo> {
        let pt = payment_type.as_str();
        let category = sqlx::query(
            "SELECT body FROM om_categories WHERE msn = $1 AND payment_type = $2 AND order_id = $3",
        )
        .bind(msn)
        .bind(pt)
        .bind(order_id)
        .fetch_optional(self.pool())
        .await?
        .map(|r| serde_json::from_str(&r.get::<String, _>(0)))
        .transpose()?;
        let receipt = sqlx::query(
            "SELECT body, source FROM om_receipts WHERE msn = $1 AND payment_type = $2 AND order_id = $3",
        )
        .bind(msn)
        .bind(pt)
        .bind(order_id)
        .fetch_optional(self.pool())
        .await?;
        let (receipt, receipt_source) = match receipt {
            Some(r) => (
                Some(serde_json::from_str(&r.get::<String, _>(0))?),
                Some(r.get::<String, _>(1)),
            ),
            None => (None, None),
        };
        let categories_v3 = sqlx::query(
            "SELECT body FROM om_categories_v3 WHERE msn = $1 AND payment_type = $2 AND order_id = $3 \
             ORDER BY created_at, category_id",
        )
        .bind(msn)
        .bind(pt)
        .bind(order_id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| serde_json::from_str(&r.get::<String, _>(0)))
        .collect::<Result<_, _>>()?;
        Ok(OrderInfo {
            category,
            receipt,
            receipt_source,
            categories_v3,
        })
    }

    pub async fn om_category_v3(
        &self,
        msn: &str,
        category_id: &str,
    ) -> anyhow::Result<Option<CategoryV3>> {
        let row =
            sqlx::query("SELECT body FROM om_categories_v3 WHERE category_id = $1 AND msn = $2")
                .bind(category_id)
                .bind(msn)
                .fetch_optional(self.pool())
                .await?;
        Ok(row
            .map(|r| serde_json::from_str(&r.get::<String, _>(0)))
            .transpose()?)
    }

    /// Merchant `msn`'s v3 categories of `order_id` (every order without
    /// one), oldest first, at most `limit`.
    pub async fn om_categories_v3(
        &self,
        msn: &str,
        order_id: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<CategoryV3>> {
        let rows = match order_id {
            Some(id) => {
                sqlx::query(
                    "SELECT body FROM om_categories_v3 WHERE msn = $1 AND order_id = $2 \
                     ORDER BY created_at, category_id LIMIT $3",
                )
                .bind(msn)
                .bind(id)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT body FROM om_categories_v3 WHERE msn = $1 ORDER BY created_at, category_id LIMIT $2",
                )
                .bind(msn)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter()
            .map(|r| Ok(serde_json::from_str(&r.get::<String, _>(0))?))
            .collect()
    }
}
