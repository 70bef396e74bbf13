//! `vipps-sandbox checklist`: the checklist verifier's report for one
//! merchant, read straight from the database (no server needed).

use vipps_domain::checklist::{render, Checklist, Verdict};
use vipps_store::DbOptions;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub database: crate::DatabaseArg,
    /// The merchant (sales unit) whose traffic is judged.
    #[arg(long)]
    pub msn: String,
    /// One checklist: ecom, checkout, psp or order-management [default: all four].
    #[arg(long, value_parser = parse_checklist)]
    pub checklist: Option<Checklist>,
    /// Print JSON: one object per checklist (an array of all four without --checklist).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print Markdown to send with the checklist: a comment per item and the test ids.
    #[arg(long)]
    pub markdown: bool,
}

fn parse_checklist(s: &str) -> Result<Checklist, String> {
    Checklist::parse(s).ok_or_else(|| "one of ecom, checkout, psp, order-management".to_owned())
}

/// Prints the report; an error (exit code 1) when an item failed or is
/// not yet done, so a CI step can gate on it.
pub async fn run(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        vipps_domain::Msn::parse(&a.msn).is_some(),
        "an MSN is 5 or 6 digits"
    );
    let url = a.database.resolve()?;
    let db = crate::open_database(&url, DbOptions { max_connections: 2 }).await?;
    let reports = db.checklist_reports(&a.msn, a.checklist).await?;
    if a.json {
        let json = match a.checklist {
            Some(_) => serde_json::to_string_pretty(&reports[0])?,
            None => serde_json::to_string_pretty(&reports)?,
        };
        println!("{json}");
    } else if a.markdown {
        print!("{}", render::markdown(&reports));
    } else {
        print!("{}", render::text(&reports));
    }
    let open = reports
        .iter()
        .flat_map(|r| &r.items)
        .filter(|i| matches!(i.verdict, Verdict::Failed | Verdict::NotYet))
        .count();
    anyhow::ensure!(open == 0, "{open} checklist item(s) failed or not yet done");
    Ok(())
}
