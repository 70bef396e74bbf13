//! A merchant's strict URLs (off by default): the URLs it hands over are
//! held to what the real APIs accept — HTTPS for every URL the platform
//! calls, no localhost, ports 80, 443 or 8080 (docs/compatibility.md#strict-urls).

use vipps_domain::urls::strict_refusal;

use crate::AppState;

/// One URL of a request: its field name, the value sent, and whether the
/// platform calls it (else the payer is sent to it).
pub type Field<'a> = (&'static str, Option<&'a str>, bool);

/// The first field a strict merchant may not send, with why.
pub async fn refusal(
    st: &AppState,
    msn: &str,
    fields: &[Field<'_>],
) -> anyhow::Result<Option<(&'static str, &'static str)>> {
    if !st.db.strict_urls(msn).await? {
        return Ok(None);
    }
    Ok(fields.iter().find_map(|(name, value, called)| {
        value
            .and_then(|v| strict_refusal(v, *called))
            .map(|why| (*name, why))
    }))
}
