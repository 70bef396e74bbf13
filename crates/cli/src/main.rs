//! `vipps-sandbox`: parse arguments, then hand over to the library crates.

mod bench;
mod bench_checklist;
mod bench_deliveries;
mod bench_psp;
mod checklist;
mod demo;

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use anyhow::Context;
use clap::{Parser, Subcommand};
use demo::{ensure_demo_merchant, print_credentials, print_env};
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
    /// How log lines are written to stderr: `text` for people, `json` (one
    /// object a line) for log collectors. `RUST_LOG` picks what is logged.
    #[arg(
        long,
        global = true,
        env = "VIPPS_SANDBOX_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
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
    /// Print the demo merchant's (and demo PSP's) keys again, as `export`
    /// lines to paste into a shell.
    Env(EnvArgs),
    /// Judge a merchant's recorded traffic against the official integration
    /// checklists; exit code 0 only when nothing failed or is missing.
    Checklist(checklist::Args),
    /// Run full ePayment lifecycles against a running server and report throughput.
    Bench(bench::Args),
    /// Drain a webhook outbox backlog in-process to a local receiver and report
    /// delivery throughput and commit-to-arrival latency.
    BenchDeliveries(bench_deliveries::Args),
    /// Time the checklist verifier for a merchant with a large recorded history.
    BenchChecklist(bench_checklist::Args),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// IP:PORT or localhost:PORT; 0.0.0.0:PORT to be reached from other
    /// machines (then also give --public-url).
    #[arg(long, env = "VIPPS_SANDBOX_LISTEN", default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    listen: SocketAddr,
    #[command(flatten)]
    database: DatabaseArg,
    /// Origin used in the URLs handed out (redirectUrl etc.); defaults to http://LISTEN.
    #[arg(long, env = "VIPPS_SANDBOX_PUBLIC_URL", value_parser = parse_public_url)]
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
    /// Require this token for the sandbox API (/sandbox/*) and the console
    /// (/console): `Authorization: Bearer TOKEN` or `X-Admin-Token: TOKEN`,
    /// or in a browser /console?admin_token=TOKEN once. The payer pages,
    /// /health and the merchant APIs stay open.
    #[arg(long, env = "VIPPS_SANDBOX_ADMIN_TOKEN", value_name = "TOKEN", hide_env_values = true, value_parser = parse_admin_token)]
    admin_token: Option<String>,
}

#[derive(clap::Args)]
struct EnvArgs {
    #[command(flatten)]
    database: DatabaseArg,
    /// The folder holding demo-merchant.json (and demo-psp.json); by default
    /// the folder of the SQLite database.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The sandbox's address as clients reach it.
    #[arg(long, env = "VIPPS_SANDBOX_PUBLIC_URL", default_value = "http://127.0.0.1:8080", value_parser = parse_public_url)]
    base_url: String,
}

/// The database every command works on. `DATABASE_URL` is read only as a
/// deprecated fallback (with a warning): it is usually a developer's own
/// database, which must not quietly receive the sandbox's tables.
#[derive(clap::Args)]
struct DatabaseArg {
    /// sqlite://path/to/file.db or postgres://user@host/db [default: sqlite://data/sandbox.db]
    #[arg(long = "database-url", env = "VIPPS_SANDBOX_DATABASE_URL")]
    url: Option<String>,
}

impl DatabaseArg {
    /// The URL to use: the flag, `VIPPS_SANDBOX_DATABASE_URL`, the
    /// deprecated `DATABASE_URL`, or the default file; a relative SQLite
    /// path made absolute.
    fn resolve(self) -> anyhow::Result<String> {
        let url = match self.url {
            Some(url) => url,
            None => match std::env::var("DATABASE_URL") {
                Ok(url) if !url.is_empty() => {
                    eprintln!(
                        "warning: using DATABASE_URL for the sandbox's database; it is \
                         deprecated here: set VIPPS_SANDBOX_DATABASE_URL or pass --database-url"
                    );
                    url
                }
                _ => DEFAULT_DB.to_owned(),
            },
        };
        absolute_sqlite_url(&url)
    }
}

/// `sqlite://relative/file.db` becomes `sqlite:///current/dir/relative/file.db`;
/// other URLs are returned as they are.
fn absolute_sqlite_url(url: &str) -> anyhow::Result<String> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(url.to_owned());
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    if path.is_empty() || path.contains(":memory:") || Path::new(path).is_absolute() {
        return Ok(url.to_owned());
    }
    let dir = std::env::current_dir().context("cannot read the current directory")?;
    let path = dir.join(path);
    Ok(match query {
        Some(q) => format!("sqlite://{}?{q}", path.display()),
        None => format!("sqlite://{}", path.display()),
    })
}

/// The file of a SQLite URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// Where a database is, for messages: the SQLite file, or PostgreSQL's
/// host, port and database (never the user or password).
fn database_place(url: &str) -> String {
    if let Some(file) = sqlite_file(url) {
        return format!("SQLite file {}", file.display());
    }
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "PostgreSQL at {}:{}{}",
            u.host_str().unwrap_or("localhost"),
            u.port().unwrap_or(5432),
            u.path()
        ),
        Err(_) => "the database".to_owned(),
    }
}

/// Opens (creating and migrating) the database, naming it in any error.
async fn open_database(url: &str, opts: DbOptions) -> anyhow::Result<Db> {
    let place = database_place(url);
    // A pool that cannot connect only says it timed out, after 10 s; a
    // plain connection says why at once.
    if let Some(why) = unreachable(url).await {
        anyhow::bail!("cannot open the database ({place}): {why}");
    }
    Db::connect(url, opts)
        .await
        .with_context(|| format!("cannot open the database ({place})"))
}

/// Why a PostgreSQL server cannot be reached at all, if it cannot.
async fn unreachable(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url)
        .ok()
        .filter(|u| u.scheme() != "sqlite")?;
    // A Unix socket (no host, or `?host=/path`) is left to the driver.
    if u.query_pairs().any(|(k, _)| k == "host") {
        return None;
    }
    let host = u.host_str().filter(|h| !h.is_empty())?;
    let port = u.port().unwrap_or(5432);
    let attempt = tokio::net::TcpStream::connect((host, port));
    match tokio::time::timeout(Duration::from_secs(3), attempt).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("{host}:{port} cannot be reached: {e}")),
        Err(_) => Some(format!("{host}:{port} does not answer")),
    }
}

/// `IP:PORT`, or `HOST:PORT` such as `localhost:8080` (the first address
/// the name resolves to, IPv4 preferred).
fn parse_listen(given: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = given.parse() {
        return Ok(addr);
    }
    use std::net::ToSocketAddrs;
    let (host, port) = given
        .rsplit_once(':')
        .ok_or_else(|| format!("expected IP:PORT or localhost:PORT, got {given:?}"))?;
    port.parse::<u16>()
        .map_err(|_| format!("{port:?} is not a port number"))?;
    let addrs: Vec<SocketAddr> = given
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host:?}: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("{host:?} resolves to no address"))
}

/// An absolute `http` or `https` origin (no path, query or fragment);
/// returned without a trailing slash.
fn parse_public_url(given: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "{given:?} is not a usable public URL: {why} (expected e.g. http://192.168.1.20:8080)"
        )
    };
    let url = reqwest::Url::parse(given).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not hold a user or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a path, query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn parse_admin_token(given: &str) -> Result<String, String> {
    if given.trim().is_empty() {
        return Err("the admin token must not be empty".into());
    }
    Ok(given.to_owned())
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
        #[command(flatten)]
        database: DatabaseArg,
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
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PspCommand {
    /// Create a PSP with fresh keys, serving the merchants named.
    Add {
        #[command(flatten)]
        database: DatabaseArg,
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
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        json: bool,
    },
    /// Let a PSP act for one more merchant.
    Link {
        #[command(flatten)]
        database: DatabaseArg,
        #[arg(long)]
        psp_id: String,
        #[arg(long)]
        msn: String,
    },
}

/// The PSP id of the demo PSP: the one in the official PSP API guide's examples.
const DEMO_PSP_ID: &str = "C948DFD1546347568874C4DDC93A2E3C";

async fn psp_command(command: PspCommand) -> anyhow::Result<()> {
    let open = |database: DatabaseArg| async move {
        open_database(&database.resolve()?, DbOptions { max_connections: 2 }).await
    };
    match command {
        PspCommand::Add {
            database,
            name,
            psp_id,
            msns,
            json,
        } => {
            let db = open(database).await?;
            let creds = db
                .create_psp(&name, psp_id.as_deref(), &msns, now_ms())
                .await?;
            if json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                print_psp(&creds);
            }
        }
        PspCommand::List { database, json } => {
            let list = open(database).await?.list_psps().await?;
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
            database,
            psp_id,
            msn,
        } => {
            open(database).await?.link_psp(&psp_id, &msn).await?;
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
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    owner_only_files();
    match run(cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line: what failed and why (`{:#}` joins the causes).
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Env(args) => print_env(args),
        Command::Checklist(args) => checklist::run(args).await,
        Command::Merchant {
            command:
                MerchantCommand::Add {
                    database,
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
            let db = open_database(&database.resolve()?, DbOptions { max_connections: 2 }).await?;
            let creds = db.create_merchant(&name, msn.as_deref(), now_ms()).await?;
            if json {
                println!("{}", serde_json::to_string(&creds)?);
            } else {
                print_credentials(&creds);
            }
            Ok(())
        }
        Command::Merchant {
            command: MerchantCommand::List { database, json },
        } => {
            let db = open_database(&database.resolve()?, DbOptions { max_connections: 2 }).await?;
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
        Command::BenchChecklist(args) => bench_checklist::run(args).await,
    }
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
        database,
        public_url,
        token_ttl,
        allow_private_targets,
        host_overrides,
        max_connections,
        header_timeout,
        admin_token,
    } = args;
    let database_url = database.resolve()?;
    // The port first: when it is taken nothing else (no database file, no
    // demo keys) should have happened.
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    // With port 0 the real port is known only now; scripts read it from the
    // listening line printed below.
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() && admin_token.is_none() {
        eprintln!(
            "warning: listening on {bound}, beyond this machine. The sandbox console \
             (/sandbox/v1/*) has no authentication: anyone who reaches this port can move \
             the clock, read the request log and change merchants' settings. Listen on \
             127.0.0.1 unless that is what you want, or pass --admin-token."
        );
    }
    let public_url = public_url.unwrap_or_else(|| format!("http://{bound}"));
    let db = open_database(&database_url, DbOptions::default()).await?;
    println!("Database: {}", database_place(&database_url));
    ensure_demo_merchant(&db, &database_url, &public_url).await?;
    let cfg = Config {
        public_url,
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
        admin_token,
    };
    let state = AppState::new(db, cfg).await?;
    let public = state.cfg.public_url.clone();
    vipps_server::app::start_workers(&state);
    println!("vipps-sandbox listening on http://{bound} (public URL {public})");
    vipps_server::app::serve(listener, state).await
}

/// The tracing subscriber: human-readable lines, or one JSON object a line
/// (the event's fields at the top level). `RUST_LOG` picks what is logged.
mod logging {
    use tracing_subscriber::EnvFilter;

    use crate::LogFormat;

    pub fn init(format: LogFormat) {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        match format {
            // Colours only for a terminal, not in files and pipes.
            LogFormat::Text => builder
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .init(),
            LogFormat::Json => builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .init(),
        }
    }
}
