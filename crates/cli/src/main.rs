//! `vipps-sandbox`: parse arguments, then hand over to the library crates.

mod bench;
mod bench_deliveries;
mod bench_psp;

use std::{
    net::{IpAddr, SocketAddr},
    path::Path,
    time::{Duration, SystemTime},
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use vipps_server::{listener::ConnectionLimits, AppState, Config};
use vipps_store::{Db, DbOptions};

const DEFAULT_DB: &str = "sqlite://data/sandbox.db";

#[derive(Parser)]
#[command(
    name = "vipps-sandbox",
    version,
    about = "A self-hosted Vipps MobilePay merchant API sandbox"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server, the payer pages and the background workers.
    Serve(ServeArgs),
    /// Manage merchants (sales units).
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// Manage payment service providers (PSP API v3).
    Psp {
        #[command(subcommand)]
        command: PspCommand,
    },
    /// Run full ePayment lifecycles against a running server and report throughput.
    Bench(bench::Args),
    /// Drain a webhook outbox backlog in-process to a local receiver and report
    /// delivery throughput and commit-to-arrival latency.
    BenchDeliveries(bench_deliveries::Args),
}

#[derive(clap::Args)]
struct ServeArgs {
    #[arg(long, env = "VIPPS_SANDBOX_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
    database_url: String,
    /// Origin used in the URLs handed out (redirectUrl etc.); defaults to http://LISTEN.
    #[arg(long, env = "VIPPS_SANDBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// Access token lifetime in seconds.
    #[arg(long, env = "VIPPS_SANDBOX_TOKEN_TTL", default_value_t = 3600)]
    token_ttl: i64,
    /// Let webhooks and callbacks go to private network addresses
    /// (10/8, 172.16/12, 192.168/16, fc00::/7); link-local and cloud
    /// metadata addresses are refused regardless.
    #[arg(long, env = "VIPPS_SANDBOX_ALLOW_PRIVATE_TARGETS")]
    allow_private_targets: bool,
    /// NAME=ADDRESS: outgoing requests to NAME go to ADDRESS instead of what
    /// DNS says (like curl's --resolve); the address is judged like any other.
    #[arg(long = "resolve", env = "VIPPS_SANDBOX_RESOLVE", value_delimiter = ',', value_parser = parse_host_override)]
    host_overrides: Vec<(String, IpAddr)>,
    /// Connections served at once; beyond it /health still answers and
    /// other requests get 503 with Retry-After.
    #[arg(long, env = "VIPPS_SANDBOX_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Seconds a connection may take to send a request's headers, counted on
    /// a kept-alive connection from the previous response: idle and slow
    /// connections are closed after it.
    #[arg(long, env = "VIPPS_SANDBOX_HEADER_TIMEOUT", default_value_t = 30)]
    header_timeout: u64,
}

fn parse_host_override(given: &str) -> Result<(String, IpAddr), String> {
    let (name, address) = given
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=ADDRESS, got {given:?}"))?;
    let address = address
        .trim_matches(|c| c == '[' || c == ']')
        .parse()
        .map_err(|_| format!("{address:?} is not an IP address"))?;
    if name.is_empty() {
        return Err("the name before '=' is empty".into());
    }
    Ok((name.to_owned(), address))
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant with fresh credentials.
    Add {
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        msn: Option<String>,
        /// Print exactly one JSON object with the credentials.
        #[arg(long)]
        json: bool,
    },
    /// List merchants (never their secrets).
    List {
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PspCommand {
    /// Create a PSP with fresh keys, serving the merchants named.
    Add {
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[arg(long)]
        name: String,
        /// The PSP id (the `PSP-ID` header); random 32 hex digits if not given.
        #[arg(long)]
        psp_id: Option<String>,
        /// A merchant the PSP serves (repeatable).
        #[arg(long = "msn")]
        msns: Vec<String>,
        /// Print exactly one JSON object with the keys.
        #[arg(long)]
        json: bool,
    },
    /// List PSPs and the merchants they serve (never their secrets).
    List {
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[arg(long)]
        json: bool,
    },
    /// Let a PSP act for one more merchant.
    Link {
        #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DB)]
        database_url: String,
        #[arg(long)]
        psp_id: String,
        #[arg(long)]
        msn: String,
    },
}

/// The PSP id of the demo PSP: the one in the official PSP API guide's examples.
const DEMO_PSP_ID: &str = "C948DFD1546347568874C4DDC93A2E3C";

async fn psp_command(command: PspCommand) -> anyhow::Result<()> {
    let open =
        |url: String| async move { Db::connect(&url, DbOptions { max_connections: 2 }).await };
    match command {
        PspCommand::Add {
            database_url,
            name,
            psp_id,
            msns,
            json,
        } => {
            let db = open(database_url).await?;
            let creds = db
                .create_psp(&name, psp_id.as_deref(), &msns, now_ms())
                .await?;
            if json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                print_psp(&creds);
            }
        }
        PspCommand::List { database_url, json } => {
            let list = open(database_url).await?.list_psps().await?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                println!("{:<34} {:<38} {:<20} MSNS", "PSP_ID", "CLIENT_ID", "NAME");
                for p in list {
                    let msns = p.msns.join(",");
                    println!("{:<34} {:<38} {:<20} {msns}", p.psp_id, p.client_id, p.name);
                }
            }
        }
        PspCommand::Link {
            database_url,
            psp_id,
            msn,
        } => {
            open(database_url).await?.link_psp(&psp_id, &msn).await?;
            println!("PSP {psp_id} now serves merchant {msn}");
        }
    }
    Ok(())
}

fn print_psp(c: &vipps_store::psps::NewPspCredentials) {
    println!("  name:                      {}", c.name);
    println!("  PSP-ID:                    {}", c.psp_id);
    println!("  client_id:                 {}", c.client_id);
    println!("  client_secret:             {}", c.client_secret);
    println!("  Ocp-Apim-Subscription-Key: {}", c.subscription_key);
    println!("  serves MSNs:               {}", c.msns.join(", "));
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    owner_only_files();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Merchant {
            command:
                MerchantCommand::Add {
                    database_url,
                    name,
                    msn,
                    json,
                },
        } => {
            if let Some(m) = &msn {
                anyhow::ensure!(
                    vipps_domain::Msn::parse(m).is_some(),
                    "an MSN is 5 or 6 digits"
                );
            }
            let db = Db::connect(&database_url, DbOptions { max_connections: 2 }).await?;
            let creds = db.create_merchant(&name, msn.as_deref(), now_ms()).await?;
            if json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                print_credentials(&creds);
            }
            Ok(())
        }
        Command::Merchant {
            command: MerchantCommand::List { database_url, json },
        } => {
            let db = Db::connect(&database_url, DbOptions { max_connections: 2 }).await?;
            let list = db.list_merchants().await?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                println!("{:<8} {:<38} NAME", "MSN", "CLIENT_ID");
                for m in list {
                    println!("{:<8} {:<38} {}", m.msn, m.client_id, m.name);
                }
            }
            Ok(())
        }
        Command::Psp { command } => psp_command(command).await,
        Command::Bench(args) => bench::run(args).await,
        Command::BenchDeliveries(args) => bench_deliveries::run(args).await,
    }
}

fn print_credentials(c: &vipps_store::merchants::NewCredentials) {
    println!("  name:                      {}", c.name);
    println!("  Merchant-Serial-Number:    {}", c.msn);
    println!("  client_id:                 {}", c.client_id);
    println!("  client_secret:             {}", c.client_secret);
    println!("  Ocp-Apim-Subscription-Key: {}", c.subscription_key);
}

/// The demo merchant is made on first start. Its secrets are stored only
/// hashed, so they are printed once and kept in a file beside a SQLite
/// database (readable only by the owner) so a restart does not lose them;
/// later starts say where that file is, without printing the secrets again.
async fn ensure_demo_merchant(db: &Db, database_url: &str) -> anyhow::Result<()> {
    let sidecar = database_url
        .strip_prefix("sqlite://")
        .map(|p| p.split('?').next().unwrap_or(p))
        .and_then(|p| Path::new(p).parent().map(|d| d.join("demo-merchant.json")));
    if db.list_merchants().await?.is_empty() {
        // Processes starting together on one empty database race here: only
        // the one whose marker is stored seeds the demo merchant.
        let mine = vipps_store::random_hex(16);
        if db
            .setting_or_init("demo_merchant_seeded_by", mine.clone())
            .await?
            == mine
        {
            let creds = db.create_merchant("Demo Shop", None, now_ms()).await?;
            println!("Created the demo merchant:");
            print_credentials(&creds);
            if let Some(file) = &sidecar {
                save_privately(file, &serde_json::to_string_pretty(&creds)?)?;
                println!("  (saved in {})", file.display());
            }
            let psp = db
                .create_psp(
                    "Demo PSP",
                    Some(DEMO_PSP_ID),
                    std::slice::from_ref(&creds.msn),
                    now_ms(),
                )
                .await?;
            println!("Created the demo PSP, serving the demo merchant:");
            print_psp(&psp);
            if let Some(file) = sidecar.as_ref().map(|f| f.with_file_name("demo-psp.json")) {
                save_privately(&file, &serde_json::to_string_pretty(&psp)?)?;
                println!("  (saved in {})", file.display());
            }
            return Ok(());
        }
    }
    match sidecar.filter(|f| f.exists()) {
        Some(file) => println!(
            "Demo merchant and PSP: their keys are saved in {} and {}",
            file.display(),
            file.with_file_name("demo-psp.json").display()
        ),
        None => println!(
            "Merchants exist; `vipps-sandbox merchant list` shows them, `merchant add` makes one."
        ),
    }
    Ok(())
}

/// Writes `text` to a file only its owner may read, from its creation on.
fn save_privately(file: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(file)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", file.display()))
}

/// Files this process creates (the database, its WAL and journal, the demo
/// keys) are readable by their owner only: they hold the token signing key
/// and webhook secrets. The store also sets their modes itself; the mask
/// covers the files SQLite creates later.
fn owner_only_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        listen,
        database_url,
        public_url,
        token_ttl,
        allow_private_targets,
        host_overrides,
        max_connections,
        header_timeout,
    } = args;
    let database_url = database_url.as_str();
    let db = Db::connect(database_url, DbOptions::default()).await?;
    ensure_demo_merchant(&db, database_url).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    // With port 0 the real port is known only now; scripts read it from this line.
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() {
        eprintln!(
            "warning: listening on {bound}, beyond this machine. The sandbox console \
             (/sandbox/v1/*) has no authentication: anyone who reaches this port can move \
             the clock, read the request log and change merchants' settings. Listen on \
             127.0.0.1 unless that is what you want."
        );
    }
    let cfg = Config {
        public_url: public_url.unwrap_or_else(|| format!("http://{bound}")),
        token_ttl_secs: token_ttl,
        delivery: vipps_delivery::DeliveryConfig {
            allow_private_targets,
            host_overrides,
            ..Default::default()
        },
        connections: ConnectionLimits {
            max_connections,
            header_timeout: Duration::from_secs(header_timeout.max(1)),
        },
    };
    let state = AppState::new(db, cfg).await?;
    let public = state.cfg.public_url.clone();
    vipps_server::app::start_workers(&state);
    println!("vipps-sandbox listening on http://{bound} (public URL {public})");
    vipps_server::app::serve(listener, state).await
}
