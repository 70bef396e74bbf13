//! The body the API gateway answers with when the subscription key or the
//! access token is missing or wrong; the same in every API (docs/compatibility.md#credentials-and-gateway-errors).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayError {
    pub status_code: u16,
    pub message: String,
}
