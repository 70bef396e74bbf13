//! Access tokens: HS256 JWTs bound to a merchant and its subscription key.
//!
//! Validity is judged against the sandbox clock, not the wall clock, so
//! advancing the clock expires tokens like the real hour would.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The client_id the token was issued to.
    pub sub: String,
    pub msn: String,
    /// Hash of the subscription key used to obtain the token; calls must
    /// present the same key.
    pub skh: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// For a payment service provider's token: its PSP id (`msn` is then
    /// empty, so merchant APIs refuse the token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psp: Option<String>,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn new(secret: &str) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    pub fn issue(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .expect("HS256 encoding cannot fail")
    }

    /// The claims of a token signed by us and valid at `now_secs`.
    /// The token's claims when its signature holds and it is valid at the
    /// time `now_secs` gives for them (its merchant's clock).
    pub fn verify(&self, token: &str, now_secs: impl Fn(&Claims) -> i64) -> Option<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .ok()?
            .claims;
        let now = now_secs(&claims);
        (claims.nbf <= now && now < claims.exp).then_some(claims)
    }
}
