//! The demo merchant's and demo PSP's keys: created once and printed on
//! first start, saved beside the SQLite file (owner-only), and printed
//! again as `export` lines by `vipps-sandbox env`.

use super::*;

pub(super) fn print_credentials(c: &vipps_store::merchants::NewCredentials) {
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
pub(super) async fn ensure_demo_merchant(
    db: &Db,
    database_url: &str,
    base_url: &str,
) -> anyhow::Result<()> {
    let sidecar =
        sqlite_file(database_url).and_then(|p| p.parent().map(|d| d.join("demo-merchant.json")));
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
            let merchant = serde_json::to_value(&creds)?;
            let psp = serde_json::to_value(&psp)?;
            println!("For your shell (`vipps-sandbox env` prints these again):");
            println!("{}", merchant_exports(base_url, &merchant)?);
            println!("{}", psp_exports(&psp)?);
            return Ok(());
        }
    }
    match sidecar.filter(|f| f.exists()) {
        Some(file) => println!(
            "Demo merchant and PSP: their keys are saved in {} and {}; \
             `vipps-sandbox env` prints them as export lines",
            file.display(),
            file.with_file_name("demo-psp.json").display()
        ),
        None => println!(
            "Merchants exist; `vipps-sandbox merchant list` shows them, `merchant add` makes one."
        ),
    }
    Ok(())
}

/// A value as a shell word: as it is when that is safe, else single-quoted.
pub(super) fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// `export NAME=value …` from `pairs` of names and JSON string fields.
pub(super) fn exports(saved: &serde_json::Value, pairs: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut line = String::from("export");
    for (name, field) in pairs {
        let value = saved[*field]
            .as_str()
            .with_context(|| format!("the saved keys have no {field:?}"))?;
        line.push_str(&format!(" {name}={}", shell_word(value)));
    }
    Ok(line)
}

pub(super) fn merchant_exports(
    base_url: &str,
    saved: &serde_json::Value,
) -> anyhow::Result<String> {
    Ok(format!(
        "export VIPPS_BASE_URL={} {}",
        shell_word(base_url),
        exports(
            saved,
            &[
                ("VIPPS_CLIENT_ID", "client_id"),
                ("VIPPS_CLIENT_SECRET", "client_secret"),
                ("VIPPS_SUBSCRIPTION_KEY", "subscription_key"),
                ("VIPPS_MSN", "msn"),
            ],
        )?
        .trim_start_matches("export ")
    ))
}

pub(super) fn psp_exports(saved: &serde_json::Value) -> anyhow::Result<String> {
    exports(
        saved,
        &[
            ("VIPPS_PSP_ID", "psp_id"),
            ("VIPPS_PSP_CLIENT_ID", "client_id"),
            ("VIPPS_PSP_CLIENT_SECRET", "client_secret"),
            ("VIPPS_PSP_SUBSCRIPTION_KEY", "subscription_key"),
        ],
    )
}

/// `vipps-sandbox env`: the export lines again, from the saved demo keys.
pub(super) fn print_env(args: EnvArgs) -> anyhow::Result<()> {
    let dir = match args.data_dir {
        Some(dir) => dir,
        None => {
            let url = args.database.resolve()?;
            sqlite_file(&url)
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .context(
                    "the demo keys are saved only beside a SQLite database; \
                     pass --data-dir DIR (the folder holding demo-merchant.json)",
                )?
        }
    };
    let read = |name: &str| -> anyhow::Result<Option<serde_json::Value>> {
        let file = dir.join(name);
        match std::fs::read_to_string(&file) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).with_context(|| {
                format!("{} is not the saved keys", file.display())
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", file.display())),
        }
    };
    let merchant = read("demo-merchant.json")?.with_context(|| {
        format!(
            "no demo merchant keys in {}: they are saved there by the first \
             `vipps-sandbox serve` on an empty SQLite database",
            dir.join("demo-merchant.json").display()
        )
    })?;
    println!("{}", merchant_exports(&args.base_url, &merchant)?);
    if let Some(psp) = read("demo-psp.json")? {
        println!("{}", psp_exports(&psp)?);
    }
    Ok(())
}

/// Writes `text` to a file only its owner may read, from its creation on.
pub(super) fn save_privately(file: &Path, text: &str) -> anyhow::Result<()> {
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
