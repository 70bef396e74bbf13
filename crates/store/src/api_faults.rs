//! A merchant's API fault rules and rate limits. Read on every API call of
//! a merchant that has any, so the read is one indexed query (direct on
//! SQLite); firing a limited rule is a checked update, so a rule with
//! `times: 1` fires once however many server processes share the database.

use sqlx::Row;
use vipps_domain::api_faults::{RateLimit, Rule};

use crate::{Db, WriteError, WriteSet};

const KIND_RULE: &str = "rule";
const KIND_RATE_LIMIT: &str = "rate_limit";

/// A rule with how often it matched and fired; `rule.times` is what is left.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    pub rule: Rule,
    pub matched: i64,
    pub fired: i64,
}

/// What applies to one merchant's calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MerchantFaults {
    pub rules: Vec<StoredRule>,
    pub rate_limits: Vec<RateLimit>,
}

impl MerchantFaults {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.rate_limits.is_empty()
    }
}

type FaultRow = (String, String, i64, i64, Option<i64>);

impl Db {
    pub async fn add_api_fault(&self, msn: &str, rule: &Rule, now: i64) -> Result<(), WriteError> {
        let mut w = WriteSet::new();
        w.push(
            "INSERT INTO api_faults (id, msn, kind, rule, times_left, matched, fired, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6)",
            vec![
                rule.id.clone().into(),
                msn.to_owned().into(),
                KIND_RULE.into(),
                serde_json::to_string(rule)
                    .expect("a rule serialises")
                    .into(),
                rule.times.into(),
                now.into(),
            ],
        );
        self.write(w).await
    }

    /// Replaces the merchant's rate limits.
    pub async fn set_rate_limits(
        &self,
        msn: &str,
        limits: &[RateLimit],
        now: i64,
    ) -> Result<(), WriteError> {
        let mut w = WriteSet::new();
        w.push(
            "DELETE FROM api_faults WHERE msn = $1 AND kind = $2",
            vec![msn.to_owned().into(), KIND_RATE_LIMIT.into()],
        );
        for l in limits {
            w.push(
                "INSERT INTO api_faults (id, msn, kind, rule, times_left, matched, fired, created_at) \
                 VALUES ($1, $2, $3, $4, NULL, 0, 0, $5)",
                vec![
                    l.id.clone().into(),
                    msn.to_owned().into(),
                    KIND_RATE_LIMIT.into(),
                    serde_json::to_string(l).expect("a limit serialises").into(),
                    now.into(),
                ],
            );
        }
        self.write(w).await
    }

    /// Removes one rule (true) or finds none (false).
    pub async fn delete_api_fault(&self, msn: &str, id: &str) -> anyhow::Result<bool> {
        let known = self
            .api_faults(msn)
            .await?
            .rules
            .iter()
            .any(|r| r.rule.id == id);
        if known {
            let mut w = WriteSet::new();
            w.push(
                "DELETE FROM api_faults WHERE msn = $1 AND id = $2 AND kind = $3",
                vec![
                    msn.to_owned().into(),
                    id.to_owned().into(),
                    KIND_RULE.into(),
                ],
            );
            self.write(w).await?;
        }
        Ok(known)
    }

    pub async fn delete_api_faults(&self, msn: &str) -> Result<(), WriteError> {
        let mut w = WriteSet::new();
        w.push(
            "DELETE FROM api_faults WHERE msn = $1 AND kind = $2",
            vec![msn.to_owned().into(), KIND_RULE.into()],
        );
        self.write(w).await
    }

    /// The merchant's rules (oldest first) and rate limits.
    pub async fn api_faults(&self, msn: &str) -> anyhow::Result<MerchantFaults> {
        const SQL: &str = "SELECT kind, rule, matched, fired, times_left FROM api_faults \
                           WHERE msn = $1 ORDER BY created_at, id";
        let rows: Vec<FaultRow> = match self.fast_read(|c| {
            let mut stmt = c.prepare_cached(SQL)?;
            let rows = stmt.query_map([msn], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<rusqlite::Result<Vec<FaultRow>>>()
        }) {
            Some(rows) => rows?,
            None => sqlx::query(SQL)
                .bind(msn)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                .collect(),
        };
        let mut out = MerchantFaults::default();
        for (kind, json, matched, fired, times_left) in rows {
            if kind == KIND_RATE_LIMIT {
                out.rate_limits.push(serde_json::from_str(&json)?);
            } else {
                // The count left lives in its own column: it changes on each firing.
                let mut rule: Rule = serde_json::from_str(&json)?;
                rule.times = times_left;
                out.rules.push(StoredRule {
                    rule,
                    matched,
                    fired,
                });
            }
        }
        Ok(out)
    }

    /// Counts a call the rule matched and, when `fire`, fires it: false
    /// when a limited rule has no firing left (another call, maybe in
    /// another process, took the last).
    pub async fn api_fault_matched(
        &self,
        id: &str,
        limited: bool,
        fire: bool,
    ) -> Result<bool, WriteError> {
        let mut w = WriteSet::new();
        w.push(
            "UPDATE api_faults SET matched = matched + 1 WHERE id = $1",
            vec![id.to_owned().into()],
        );
        if fire {
            if limited {
                w.push_checked(
                    "UPDATE api_faults SET fired = fired + 1, times_left = times_left - 1 \
                     WHERE id = $1 AND times_left > 0",
                    vec![id.to_owned().into()],
                );
            } else {
                w.push(
                    "UPDATE api_faults SET fired = fired + 1 WHERE id = $1",
                    vec![id.to_owned().into()],
                );
            }
        }
        match self.write(w).await {
            Ok(()) => Ok(fire),
            Err(WriteError::Conflict) => {
                // The whole set was rolled back; the match still counts.
                let mut w = WriteSet::new();
                w.push(
                    "UPDATE api_faults SET matched = matched + 1 WHERE id = $1",
                    vec![id.to_owned().into()],
                );
                self.write(w).await?;
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}
