//! Checkout v3 sessions.
//!
//! Like [`crate::epayment`], a row is the whole domain session as JSON plus
//! the columns it is found by, changed only by `UPDATE … WHERE version = $n`.
//! The row is written at create and when the shopper proceeds to pay; from
//! then on the session lives inside its ePayment payment (see the
//! migration's comment).

use vipps_domain::{checkout::Session, Millis};

use crate::{stored, Db, DueCursor, WriteSet};

/// A session as read, with its version.
pub type StoredSession = crate::Stored<Session>;

impl Db {
    pub async fn checkout_session(
        &self,
        msn: &str,
        reference: &str,
    ) -> anyhow::Result<Option<StoredSession>> {
        let row = sqlx::query(
            "SELECT body, version FROM checkout_sessions WHERE msn = $1 AND reference = $2",
        )
        .bind(msn)
        .bind(reference)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(stored).transpose()
    }

    /// The newest sessions, of one merchant or of all, for the console.
    pub async fn recent_checkout_sessions(
        &self,
        msn: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<StoredSession>> {
        let rows = sqlx::query(
            "SELECT body, version FROM checkout_sessions WHERE ($1 IS NULL OR msn = $1) \
             ORDER BY created_at DESC LIMIT $2",
        )
        .bind(msn)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored).collect()
    }

    /// The session behind a hosted-page token.
    pub async fn checkout_session_by_token(
        &self,
        token: &str,
    ) -> anyhow::Result<Option<StoredSession>> {
        let row = sqlx::query("SELECT body, version FROM checkout_sessions WHERE token = $1")
            .bind(token)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(stored).transpose()
    }

    /// Sessions nobody started paying whose hour is over at `now`, in
    /// expiry order, starting after `after`.
    pub async fn checkout_sessions_due_to_expire(
        &self,
        now: Millis,
        after: Option<&DueCursor>,
        limit: i64,
    ) -> anyhow::Result<Vec<(DueCursor, anyhow::Result<StoredSession>)>> {
        self.due_to_expire(
            "checkout_sessions",
            "reference",
            "SessionCreated",
            now,
            after,
            limit,
        )
        .await
    }
}

fn body(s: &Session) -> String {
    serde_json::to_string(s).expect("a session always serialises")
}

/// Writes that insert a new session; a taken reference makes it a conflict.
pub fn insert_session(s: &Session) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "INSERT INTO checkout_sessions (msn, reference, version, state, token, expires_at, created_at, body) \
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        vec![
            s.msn.clone().into(),
            s.reference.clone().into(),
            s.state.as_str().into(),
            s.token.clone().into(),
            s.expires_at.into(),
            s.created_at.into(),
            body(s).into(),
        ],
    );
    w
}

/// Writes that move a session on from `version`.
pub fn update_session(s: &Session, version: i64) -> WriteSet {
    let mut w = WriteSet::new();
    w.push_checked(
        "UPDATE checkout_sessions SET version = version + 1, state = $1, body = $2 \
         WHERE msn = $3 AND reference = $4 AND version = $5",
        vec![
            s.state.as_str().into(),
            body(s).into(),
            s.msn.clone().into(),
            s.reference.clone().into(),
            version.into(),
        ],
    );
    w
}
