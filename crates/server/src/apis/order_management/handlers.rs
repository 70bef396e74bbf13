//! The Order Management API's handlers: every call is the merchant's own
//! (token, key and MSN), and reads or writes only that merchant's orders
//! and images.

use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;
use vipps_domain::{
    order_management::{check_upload, is_order_id, order_path, Category, NewCategoryV3, OmError},
    receipt::ReceiptPath,
};
use vipps_store::{
    order_management::{
        add_receipt as receipt_write, delete_category_v3 as delete_write, insert_category_v3,
        insert_image, upsert_category, FROM_ORDER_MANAGEMENT,
    },
    WriteError, WriteSet,
};
use vipps_wire::{order_management as wire, receipt as wire_receipt};

use super::{
    problem::{OmProblem, JSON},
    render,
    request::new_receipt,
};
use crate::{
    kernel::{
        auth::Merchant,
        body::Body,
        problem::{db_error, raw},
    },
    AppState,
};

type Result<T> = std::result::Result<T, OmProblem>;

fn json<T: serde::Serialize>(status: u16, body: &T) -> Response {
    raw(
        status,
        JSON,
        serde_json::to_string(body).expect("serialises"),
    )
}

/// An image the merchant refers to must be one it uploaded.
async fn known_image(st: &AppState, m: &Merchant, image_id: Option<&str>) -> Result<()> {
    match image_id {
        Some(id) if !st.db.om_image_exists(m.msn.as_str(), id).await? => Err(OmError::field(
            "imageId",
            format!("No image with imageId '{id}' was uploaded by this merchant."),
        )
        .into()),
        _ => Ok(()),
    }
}

async fn commit(st: &AppState, w: WriteSet, conflict: impl FnOnce() -> OmError) -> Result<()> {
    match st.commit(w).await {
        Ok(()) => Ok(()),
        Err(WriteError::Conflict) => Err(conflict().into()),
        Err(e) => Err(db_error(e)),
    }
}

/// An id the API answers a write with, as a JSON string.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `POST /order-management/v1/images`.
pub async fn add_image(
    State(st): State<AppState>,
    m: Merchant,
    body: Body<OmProblem>,
) -> Result<Response> {
    let req: wire::Image = body.json()?;
    let (id, image) = check_upload(
        req.image_id.as_deref(),
        req.src.as_deref(),
        req.kind.as_deref(),
    )?;
    let w = insert_image(m.msn.as_str(), &id, &image, st.clock.now());
    commit(&st, w, || {
        OmError::conflict(format!(
            "An image with imageId '{id}' already exists; images cannot be changed."
        ))
    })
    .await?;
    Ok(json(200, &wire::ImageResponse { image_id: id }))
}

/// `PUT /order-management/v2/{paymentType}/categories/{orderId}`: the
/// order's category, replacing any earlier one.
pub async fn put_category(
    State(st): State<AppState>,
    m: Merchant,
    Path((payment_type, order_id)): Path<(String, String)>,
    body: Body<OmProblem>,
) -> Result<Response> {
    let pt = order_path(&payment_type, &order_id)?;
    let req: wire::Order = body.json()?;
    let c = Category::new(
        req.category.as_deref(),
        req.order_details_url.as_deref(),
        req.image_id.as_deref(),
    )?;
    known_image(&st, &m, c.image_id.as_deref()).await?;
    let w = upsert_category(m.msn.as_str(), pt, &order_id, &c, st.clock.now());
    commit(&st, w, || {
        OmError::conflict("The order changed meanwhile; retry")
    })
    .await?;
    Ok(json(200, &new_id()))
}

/// `POST /order-management/v2/{paymentType}/receipts/{orderId}`: once per
/// order; a receipt from ePayment or Checkout counts.
pub async fn add_receipt(
    State(st): State<AppState>,
    m: Merchant,
    Path((payment_type, order_id)): Path<(String, String)>,
    body: Body<OmProblem>,
) -> Result<Response> {
    let pt = order_path(&payment_type, &order_id)?;
    let req: wire_receipt::Receipt = body.json()?;
    let receipt = new_receipt(req)
        .validate(&ReceiptPath::ORDER_MANAGEMENT)
        .map_err(OmError::from)?;
    let mut w = WriteSet::new();
    let now = st.clock.now();
    receipt_write(
        &mut w,
        m.msn.as_str(),
        pt,
        &order_id,
        FROM_ORDER_MANAGEMENT,
        &receipt,
        now,
        true,
    );
    commit(&st, w, || {
        OmError::conflict(format!(
            "Order '{order_id}' already has a receipt; receipts cannot be changed."
        ))
    })
    .await?;
    Ok(json(201, &new_id()))
}

/// `GET /order-management/v2/{paymentType}/{orderId}`.
pub async fn order(
    State(st): State<AppState>,
    m: Merchant,
    Path((payment_type, order_id)): Path<(String, String)>,
) -> Result<Response> {
    let pt = order_path(&payment_type, &order_id)?;
    let info = st.db.om_order(m.msn.as_str(), pt, &order_id).await?;
    if info.category.is_none() && info.receipt.is_none() {
        return Err(OmError::not_found(format!(
            "Order '{order_id}' has no category and no receipt."
        ))
        .into());
    }
    Ok(json(
        200,
        &wire::OrderV2Response {
            category: info.category.as_ref().map(render::category),
            receipt: info.receipt.as_ref().map(render::receipt),
        },
    ))
}

/// `POST /order-management/v3/categories`.
pub async fn add_category_v3(
    State(st): State<AppState>,
    m: Merchant,
    body: Body<OmProblem>,
) -> Result<Response> {
    let req: wire::AddCategoryRequest = body.json()?;
    let c = NewCategoryV3 {
        order_id: req.order_id,
        payment_type: req.payment_type,
        category: req.kind,
        url: req.url,
        image_id: req.image_id,
    }
    .check(new_id(), st.clock.now())?;
    known_image(&st, &m, c.image_id.as_deref()).await?;
    commit(&st, insert_category_v3(m.msn.as_str(), &c), || {
        OmError::conflict("The category changed meanwhile; retry")
    })
    .await?;
    Ok(json(
        201,
        &wire::AddCategoryResponse {
            category_id: c.category_id,
        },
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoriesQuery {
    order_id: Option<String>,
}

/// `GET /order-management/v3/categories?orderId=…`.
pub async fn categories_v3(
    State(st): State<AppState>,
    m: Merchant,
    q: std::result::Result<Query<CategoriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let q = q.map_err(|e| OmError::field("query", e.body_text()))?;
    if let Some(id) = q.order_id.as_deref().filter(|id| !is_order_id(id)) {
        return Err(OmError::field(
            "orderId",
            format!("The orderId '{id}' must match ^[0-9A-Za-z-_\\.]+$."),
        )
        .into());
    }
    let list = st
        .db
        .om_categories_v3(m.msn.as_str(), q.order_id.as_deref(), 1000)
        .await?;
    Ok(json(
        200,
        &wire::GetCategoriesResponse {
            categories: list.iter().map(render::category_v3).collect(),
        },
    ))
}

fn category_id(id: &str) -> Result<()> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| OmError::field("categoryId", "The categoryId must be a UUID.").into())
}

fn no_category(id: &str) -> OmError {
    OmError::not_found(format!("No category with categoryId '{id}'."))
}

/// `GET /order-management/v3/categories/{categoryId}`.
pub async fn category_v3(
    State(st): State<AppState>,
    m: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    category_id(&id)?;
    let c = st
        .db
        .om_category_v3(m.msn.as_str(), &id)
        .await?
        .ok_or_else(|| no_category(&id))?;
    Ok(json(200, &render::category_v3(&c)))
}

/// `DELETE /order-management/v3/categories/{categoryId}`.
pub async fn delete_category_v3(
    State(st): State<AppState>,
    m: Merchant,
    Path(id): Path<String>,
) -> Result<Response> {
    category_id(&id)?;
    commit(&st, delete_write(m.msn.as_str(), &id), || no_category(&id)).await?;
    Ok(raw(200, JSON, String::new()))
}
