//! Access Token API: `POST /accesstoken/get`. Every value is a JSON string.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenResponse {
    pub token_type: String,
    pub expires_in: String,
    pub ext_expires_in: String,
    pub expires_on: String,
    pub not_before: String,
    pub resource: String,
    pub access_token: String,
}

/// The answer to wrong client credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessTokenError {
    pub error: String,
    pub error_description: String,
}
