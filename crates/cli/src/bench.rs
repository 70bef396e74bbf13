//! Placeholder replaced by the benchmark implementation.

#[derive(clap::Args)]
pub struct Args {}

pub async fn run(_a: Args) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
