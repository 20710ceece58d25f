//! The `rcs` command line: `serve` for the service, the rest for the platform operator.
//!
//! Every subcommand takes `--config`, `--data-dir` and `--database-url` (also settable in the
//! TOML file and as `RCS_*` variables), and works against SQLite or PostgreSQL alike.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{Layer, Settings};
use crate::db::{self, Db};
use crate::domain::{Email, NewPassword};
use crate::operations;
use crate::services::accounts::console::{self, AccountDraft};
use crate::services::firmware::{self, Imported};
use crate::services::operators::{self, OperatorActor};
use crate::services::{accounts, device_trust, second_factor, users, Actor};
use crate::startup::Application;
use crate::storage::BlobStore;
use crate::telemetry;
use rcs_shared::{NewUser, Role};

mod platform;

use platform::{device_ca, device_crl, firmware};

#[derive(Parser, Debug)]
#[command(
    name = "rcs",
    version,
    about = "Redirection and Configuration Service for SIP desk phones"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
struct GlobalArgs {
    /// TOML configuration file (keys as in the README; flags and RCS_* variables override it).
    #[arg(long, global = true, env = "RCS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database, generated certificates and stored files [default: ./data].
    #[arg(long, global = true, env = "RCS_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: SQLite file rcs.db in the data directory].
    #[arg(long, global = true, env = "RCS_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the service: HTTPS (web UI, API, device route) and optionally plain HTTP.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts (service providers).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage the users of an account.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the platform's operators, who run the web console above all accounts.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Manage the platform-wide firmware catalog.
    #[command(subcommand)]
    Firmware(FirmwareCommand),
    /// Manage the CAs whose phone certificates rcs trusts (every node follows within seconds).
    #[command(subcommand, name = "device-ca")]
    DeviceCa(DeviceCaCommand),
    /// Manage the revocation lists (CRLs) of device CAs: revoked phones are refused.
    #[command(subcommand, name = "device-crl")]
    DeviceCrl(DeviceCrlCommand),
    /// What phones did: MACs that booted without being registered.
    #[command(subcommand)]
    Phones(PhonesCommand),
    /// Print the OpenAPI document (YAML) generated from the code.
    Openapi,
    /// Check the configuration (settings, certificates, database, mail) without serving.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write an online, consistent copy of the SQLite database (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; must not exist.
        file: PathBuf,
    },
    /// Write every table to a file (JSON lines), to move the installation to another database.
    Export {
        /// The file to write; must not exist.
        file: PathBuf,
    },
    /// Load a file written by `rcs export` into this (new, empty) database, all or nothing.
    Import {
        /// A file written by `rcs export`.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Say what is right and what is wrong with the configuration; exits 1 on any error.
    Check,
}

#[derive(Subcommand, Debug)]
enum DeviceCaCommand {
    /// Trust the CA certificates in a PEM file (one or more).
    Add {
        /// PEM file with CA certificates.
        file: PathBuf,
    },
    /// List the trusted CAs (the configured `device_ca` bundle is listed by the service log).
    List,
    /// Stop trusting a CA.
    Remove {
        /// The id shown by `rcs device-ca list`.
        id: i64,
    },
    /// Sign a test phone certificate with the development device CA in the data directory,
    /// to play a phone with curl (`--cert MAC.crt --key MAC.key`).
    Issue {
        /// The phone's MAC, in any usual spelling.
        mac: String,
        /// Folder to write `<MAC>.crt` and `<MAC>.key` to.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Days the certificate is valid.
        #[arg(long, default_value_t = 365)]
        days: i64,
    },
}

#[derive(Subcommand, Debug)]
enum DeviceCrlCommand {
    /// Use the revocation list in a file (DER or PEM), signed by a trusted device CA; it
    /// replaces an older list of the same CA.
    Add {
        /// The CRL file, as the CA publishes it.
        file: PathBuf,
    },
    /// List the revocation lists in use.
    List,
    /// Stop using a revocation list.
    Remove {
        /// The id shown by `rcs device-crl list`.
        id: i64,
    },
}

#[derive(Subcommand, Debug)]
enum PhonesCommand {
    /// MACs registered to no account that contacted rcs, most frequent first.
    Unknown {
        /// Look back this many days.
        #[arg(long, default_value_t = 7)]
        days: i64,
        /// Show at most this many MACs.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Refused requests that belong to no account (no certificate, or one that is not
    /// currently trusted), by MAC and reason, most frequent first.
    Refused {
        /// Look back this many days.
        #[arg(long, default_value_t = 7)]
        days: i64,
        /// Show at most this many lines.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

#[derive(Subcommand, Debug)]
enum FirmwareCommand {
    /// Import releases: a folder holding manifest.toml and its images (see firmware/README.md),
    /// or a catalog folder whose subfolders are releases (`rcs firmware import firmware`).
    Import {
        /// Release or catalog folders, such as firmware/4.2.0.181 or firmware.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// List releases, newest first, with their models.
    List,
    /// Remove a release (refused while phones are pinned to it).
    Remove {
        /// The release, such as 4.2.0.181.
        version: String,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// HTTPS listen address [default: 0.0.0.0:8443].
    #[arg(long, env = "RCS_HTTPS_ADDR", value_name = "ADDR")]
    https_addr: Option<String>,
    /// Plain-HTTP listen address, for running behind a TLS-terminating proxy [default: off].
    #[arg(long, env = "RCS_HTTP_ADDR", value_name = "ADDR")]
    http_addr: Option<String>,
}

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Create an account and its first Super User; prints a generated one-time password.
    Create {
        /// The service provider's name (unique).
        #[arg(long)]
        name: String,
        /// Email (username) of the account's first Super User.
        #[arg(long, value_name = "EMAIL")]
        super_user: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// The most phones the account may hold (no limit when absent).
        #[arg(long, value_name = "PHONES")]
        quota: Option<i64>,
    },
    /// List accounts with their phones, users and state.
    List,
    /// Suspend an account: its staff and keys are refused, its phones answered 403.
    Suspend {
        /// The account's name.
        name: String,
        /// Why, for the audit trails.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Resume a suspended account.
    Resume {
        /// The account's name.
        name: String,
    },
    /// Set the phone quota of an account (`none` removes the limit).
    Quota {
        /// The account's name.
        name: String,
        /// The most phones it may hold, or `none`.
        phones: String,
    },
}

#[derive(Subcommand, Debug)]
enum OperatorCommand {
    /// Add an operator; prints a generated one-time password.
    Add {
        /// Email (username) of the operator; unique among all users.
        email: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user to an account; prints a generated one-time password.
    Add {
        /// The account's name.
        #[arg(long)]
        account: String,
        /// Email (username) of the new user.
        #[arg(long)]
        email: String,
        /// `user` or `super_user`.
        #[arg(long, default_value = "user")]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user's second factor (a lost phone): their sessions end, the audit trail of
    /// their account records it, and they log in with the password (and set up a new one at
    /// once where it is required).
    ResetSecondFactor {
        /// Email (username) of the user.
        #[arg(long)]
        email: String,
    },
}

/// Parses the command line and runs it; errors are printed with their causes.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(cli: Cli) -> anyhow::Result<()> {
    let mut flags = Layer {
        data_dir: cli.global.data_dir,
        database_url: cli.global.database_url,
        ..Layer::default()
    };
    if let Command::Serve(args) = &cli.command {
        flags.https_addr = args.https_addr.clone();
        flags.http_addr = args.http_addr.clone();
    }
    let settings = match Settings::load(cli.global.config.as_deref(), flags) {
        Ok(settings) => settings,
        Err(e) if matches!(cli.command, Command::Config(ConfigCommand::Check)) => {
            println!("error    settings     {e:#}");
            anyhow::bail!("the configuration has 1 error");
        }
        Err(e) => return Err(e),
    };
    let changes_answers = changes_device_answers(&cli.command);
    let done = run_command(cli.command, &settings).await;
    if done.is_ok() && changes_answers {
        // The running nodes keep device answers; this tells them to drop them.
        let db = connect(&settings).await?;
        db::settings::bump_directory_version(&db).await?;
    }
    done
}

/// Whether `command` can change what a phone is told (suspending or resuming an account,
/// adding or removing firmware): the running nodes' device directories must then be told
/// (`crate::device::directory`). `rcs import` loads only an empty database, of which no node
/// can have kept an answer.
fn changes_device_answers(command: &Command) -> bool {
    matches!(
        command,
        Command::Account(AccountCommand::Suspend { .. } | AccountCommand::Resume { .. })
            | Command::Firmware(FirmwareCommand::Import { .. } | FirmwareCommand::Remove { .. })
    )
}

async fn run_command(command: Command, settings: &Settings) -> anyhow::Result<()> {
    let settings = settings.clone();
    match command {
        Command::Serve(_) => serve(settings).await,
        Command::Migrate => {
            connect(&settings).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Account(AccountCommand::Create {
            name,
            super_user,
            password_stdin,
            quota,
        }) => create_account(&settings, &name, &super_user, password_stdin, quota).await,
        Command::Account(AccountCommand::List) => list_accounts(&settings).await,
        Command::Account(command) => change_account(&settings, command).await,
        Command::User(UserCommand::Add {
            account,
            email,
            role,
            password_stdin,
        }) => add_user(&settings, &account, &email, &role, password_stdin).await,
        Command::Operator(OperatorCommand::Add {
            email,
            password_stdin,
        }) => add_operator(&settings, &email, password_stdin).await,
        Command::User(UserCommand::ResetSecondFactor { email }) => {
            let db = connect(&settings).await?;
            let account = second_factor::reset_by_operator(&db, &email).await?;
            println!("Reset the second factor of {email} in {account:?}; their sessions ended.");
            Ok(())
        }
        Command::Firmware(command) => firmware(&settings, command).await,
        Command::DeviceCa(command) => device_ca(&settings, command).await,
        Command::DeviceCrl(command) => device_crl(&settings, command).await,
        Command::Phones(command) => phones(&settings, command).await,
        Command::Openapi => {
            print!("{}", crate::openapi::yaml()?);
            Ok(())
        }
        Command::Config(ConfigCommand::Check) => config_check(&settings).await,
        Command::Backup { file } => {
            let db = connect(&settings).await?;
            let bytes = operations::backup::sqlite(&db, &file).await?;
            println!(
                "Backed up the database to {} ({bytes} bytes, checked). Copy {} too.",
                file.display(),
                settings.data_dir.join("blobs").display()
            );
            Ok(())
        }
        Command::Export { file } => export(&settings, &file).await,
        Command::Import { file } => import(&settings, &file).await,
    }
}

/// `rcs phones ...`: the operator's view of contacts that belong to no account.
async fn phones(settings: &Settings, command: PhonesCommand) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    match command {
        PhonesCommand::Unknown { days, limit } => {
            let since = crate::db::now() - days.max(0) * crate::db::summary::DAY;
            let rows =
                crate::db::boot_events::unknown_macs(&db, since, limit.clamp(1, 10_000)).await?;
            println!("{:<12}  {:>8}  LAST CONTACT", "MAC", "CONTACTS");
            for (mac, contacts, last) in rows {
                println!("{mac:<12}  {contacts:>8}  {}", crate::db::rfc3339(last));
            }
            Ok(())
        }
        PhonesCommand::Refused { days, limit } => {
            let since = crate::db::now() - days.max(0) * crate::db::summary::DAY;
            let rows =
                crate::db::boot_events::unattributed_refusals(&db, since, limit.clamp(1, 10_000))
                    .await?;
            println!(
                "{:<12}  {:>8}  {:<20}  REASON",
                "MAC", "CONTACTS", "LAST CONTACT"
            );
            for (mac, detail, contacts, last) in rows {
                let reason = detail.split(':').next().unwrap_or_default();
                let last = crate::db::rfc3339(last);
                println!("{mac:<12}  {contacts:>8}  {last:<20}  {reason}");
            }
            Ok(())
        }
    }
}

async fn config_check(settings: &Settings) -> anyhow::Result<()> {
    let findings = operations::check::run(settings).await;
    for finding in &findings {
        println!("{finding}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.verdict == operations::check::Verdict::Error)
        .count();
    if errors > 0 {
        anyhow::bail!("the configuration has {errors} error(s)");
    }
    println!("The configuration is usable.");
    Ok(())
}

async fn export(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    let out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(file)
        .with_context(|| format!("cannot create {} (it must not exist)", file.display()))?;
    let mut out = std::io::BufWriter::new(out);
    let moved = match operations::transfer::export(&db, &mut out).await {
        Ok(moved) => moved,
        Err(e) => {
            drop(out);
            let _ = std::fs::remove_file(file);
            return Err(e);
        }
    };
    println!(
        "Exported {} row(s) from {} table(s) to {}.",
        moved.total(),
        moved.rows.len(),
        file.display()
    );
    Ok(())
}

async fn import(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let moved = operations::transfer::import(&db, std::io::BufReader::new(input)).await?;
    for (table, rows) in &moved.rows {
        println!("{rows:>10}  {table}");
    }
    println!(
        "Imported {} row(s). Copy blobs/ (stored files), and tls/ and device-ca/ \
         (generated certificates, if used) from the old data directory to {}.",
        moved.total(),
        settings.data_dir.display()
    );
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    telemetry::init(settings.log_format, &settings.log_filter);
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    tracing::info!("rcs stopped");
    Ok(())
}

async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    if settings.database_is_embedded() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    }
    Db::connect_and_migrate(&settings.database_url, 2).await
}

/// A password from stdin, or a generated one; the second value is set when it was generated
/// (to print it once). The users service checks it against the policy.
fn obtain_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the password from stdin")?;
        Ok((text.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        let (_, text) = NewPassword::generate();
        Ok((text, true))
    }
}

async fn create_account(
    settings: &Settings,
    name: &str,
    email: &str,
    password_stdin: bool,
    quota: Option<i64>,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let (password, generated) = obtain_password(password_stdin)?;
    let hash = users::hash_new_password(&password).await?;
    let db = connect(settings).await?;
    let draft = AccountDraft {
        name: name.to_string(),
        super_user: email.clone(),
        password_hash: hash,
        phone_quota: quota,
    };
    let created = console::create(&db, &OperatorActor::cli(), &draft, None).await?;
    println!(
        "Created account {:?} (id {}) with Super User {email}.",
        created.account.name, created.account.id
    );
    if generated {
        println!("One-time password: {password}");
        println!("Log in with it and change it under your preferences.");
    }
    Ok(())
}

async fn add_operator(
    settings: &Settings,
    email: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let (password, generated) = obtain_password(password_stdin)?;
    let hash = users::hash_new_password(&password).await?;
    let db = connect(settings).await?;
    operators::add(&db, &OperatorActor::cli(), &email, &hash).await?;
    println!("Added operator {email}. Operators log in on the same page as staff.");
    if generated {
        println!("One-time password: {password}");
        println!("Log in with it and change it under your preferences.");
    }
    Ok(())
}

async fn list_accounts(settings: &Settings) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    let rows = console::list(&db).await?;
    println!(
        "{:>6}  {:<32}  {:>8}  {:>5}  {:<9}  CREATED",
        "ID", "NAME", "PHONES", "USERS", "STATE"
    );
    for a in rows {
        let state = if a.suspended_at.is_some() {
            "suspended"
        } else {
            "active"
        };
        println!(
            "{:>6}  {:<32}  {:>8}  {:>5}  {state:<9}  {}",
            a.id, a.name, a.phones, a.users, a.created_at
        );
    }
    Ok(())
}

/// `rcs account suspend|resume|quota`: the console's services, recorded as the CLI.
async fn change_account(settings: &Settings, command: AccountCommand) -> anyhow::Result<()> {
    let db = connect(settings).await?;
    let actor = OperatorActor::cli();
    let account = match command {
        AccountCommand::Suspend { name, reason } => {
            let id = accounts::id_by_name(&db, &name).await?;
            console::suspend(&db, &actor, id, &reason).await?
        }
        AccountCommand::Resume { name } => {
            let id = accounts::id_by_name(&db, &name).await?;
            console::resume(&db, &actor, id).await?
        }
        AccountCommand::Quota { name, phones } => {
            let quota = match phones.trim() {
                "none" => None,
                n => Some(
                    n.parse::<i64>()
                        .context("the quota must be a number or none")?,
                ),
            };
            let id = accounts::id_by_name(&db, &name).await?;
            console::set_quota(&db, &actor, id, quota).await?
        }
        AccountCommand::Create { .. } | AccountCommand::List => {
            anyhow::bail!("not a change of an account")
        }
    };
    let state = match &account.suspended_at {
        Some(at) => format!("suspended since {at}"),
        None => "active".to_string(),
    };
    let quota = account
        .phone_quota
        .map_or_else(|| "no quota".to_string(), |q| format!("quota {q}"));
    println!(
        "{}: {state}, {} phones, {quota}.",
        account.name, account.phones
    );
    Ok(())
}

/// Adds a user as the operator acting in the account: the same service, checks and audit
/// entry as a Super User adding one in the web UI.
async fn add_user(
    settings: &Settings,
    account: &str,
    email: &str,
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let role =
        Role::parse(&role.replace('-', "_")).context("the role must be user or super_user")?;
    let email = Email::parse(email).map_err(anyhow::Error::msg)?;
    let (password, generated) = obtain_password(password_stdin)?;
    let db = connect(settings).await?;
    let account_id = accounts::id_by_name(&db, account).await?;
    let new = NewUser {
        email: email.to_string(),
        password: Some(password),
        role,
        name: String::new(),
    };
    let ttl = settings.invitation_ttl_secs;
    users::create(&db, &Actor::operator(account_id), &new, ttl).await?;
    println!("Added {} {email} to {account:?}.", role.label());
    if generated {
        println!(
            "One-time password: {}",
            new.password.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}
