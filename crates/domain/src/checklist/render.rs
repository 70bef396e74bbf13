//! Reports as text for a terminal and as Markdown to send with the
//! checklist (the official process asks for the checklist with comments
//! and the test ids that show each item).

use super::{EvidenceKind, Report, Verdict};

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Passed => "passed",
        Verdict::NotYet => "NOT YET",
        Verdict::Failed => "FAILED",
        Verdict::Manual => "manual",
    }
}

/// The order ids the report's evidence names, first seen first.
pub fn test_ids(r: &Report) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for e in r.items.iter().flat_map(|i| &i.evidence) {
        if e.kind == EvidenceKind::Order && !ids.contains(&e.id.as_str()) {
            ids.push(&e.id);
        }
    }
    ids
}

/// One line per item, its reason under it.
pub fn text(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!("{} — MSN {}\n", r.checklist.title(), r.msn));
        for i in &r.items {
            out.push_str(&format!("  [{:>7}] {}\n", mark(i.verdict), i.title));
            out.push_str(&format!("            {}\n", i.reason));
        }
        let (passed, open) = r.items.iter().fold((0, 0), |(p, o), i| match i.verdict {
            Verdict::Passed => (p + 1, o),
            Verdict::NotYet | Verdict::Failed => (p, o + 1),
            Verdict::Manual => (p, o),
        });
        out.push_str(&format!(
            "  {passed} passed, {open} failed or not yet, {} to check by hand\n\n",
            r.items.len() - passed - open
        ));
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The checklist as a Markdown table with a comment per item, then the
/// test ids to send.
pub fn markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "## {}\n\nMerchant serial number: {}\n\n| Item | Status | Your comments |\n|---|---|---|\n",
            r.checklist.title(),
            r.msn
        ));
        for i in &r.items {
            let evidence = i
                .evidence
                .iter()
                .map(|e| match e.kind {
                    EvidenceKind::Order => format!("`{}`", e.id),
                    EvidenceKind::Request => format!("request {}", e.id),
                    EvidenceKind::Delivery => format!("delivery {}", e.id),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let comment = if evidence.is_empty() {
                cell(&i.reason)
            } else {
                format!("{} ({})", cell(&i.reason), cell(&evidence))
            };
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                cell(i.title),
                mark(i.verdict),
                comment
            ));
        }
        let ids = test_ids(r);
        out.push_str(&format!(
            "\n### Test IDs\n\n{}:\n\n",
            upper_first(r.checklist.test_ids_wording())
        ));
        if ids.is_empty() {
            out.push_str("- none yet\n");
        }
        for id in ids {
            out.push_str(&format!("- `{id}`\n"));
        }
        out.push('\n');
    }
    out
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
