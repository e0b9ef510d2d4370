//! The command line: `serve` (the default), `migrate`, `check-config`, `backup`,
//! `restore`, `user add|passwd|unlock-2fa`, `domain add|recheck`, `quarantine digests`,
//! `admin unrestrict`, `api list|call`.
//!
//! With `--url` and `--token`, the admin commands run against a portal elsewhere through
//! its API (`run_remote`) instead of on the local data directory (`run`).

use crate::{config::Config, remote::Remote, Failure};
use app::{
    backend::{
        admin, admin::Operator, admin_ips, auth::ctx::DomainScope, digests, store, two_factor,
        Clock,
    },
    error::AppError,
    model::{EmailAddress, Role},
};
use clap::{Parser, Subcommand};
use std::{io::BufRead, path::PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "mailportal",
    version,
    about = "Mail Portal: a mail security portal and inbound mail filter"
)]
pub struct Cli {
    /// The configuration file (TOML). MAILPORTAL_* variables override its settings.
    #[arg(long, global = true, env = "MAILPORTAL_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run the command against this portal through its API (with --token) instead of the
    /// local data directory.
    #[arg(long, global = true, env = "MAILPORTAL_URL", value_name = "URL")]
    pub url: Option<String>,
    /// An API token (My account → API tokens) for --url.
    #[arg(
        long,
        global = true,
        env = "MAILPORTAL_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the portal (the default when no command is given).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Check the configuration (file and MAILPORTAL_* variables) and print the settings in
    /// effect; nothing is opened or created.
    CheckConfig,
    /// Copy the database, the key file, queued and quarantined mail and the Maildir into
    /// DIR (new or empty), while the server runs.
    Backup {
        /// Where the backup goes.
        dir: PathBuf,
    },
    /// Restore a backup from DIR into the data directory, which must be new or empty (stop
    /// the server first; it starts on the restored data).
    Restore {
        /// The backup (a directory `mailportal backup` wrote).
        dir: PathBuf,
    },
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage domains.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Quarantined mail.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Admin access.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Call the portal's API (needs --url and --token).
    #[command(subcommand)]
    Api(ApiCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// List the API's functions.
    List,
    /// Call one function: ENDPOINT (e.g. aliases/list) and its form fields as name=value.
    Call {
        /// The function, as `mailportal api list` names it.
        endpoint: String,
        /// The form's fields, each as name=value.
        #[arg(value_name = "NAME=VALUE")]
        fields: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Let admins sign in from any address again (the way back in when admin access is
    /// restricted to the admin IP access list and nobody can reach it).
    Unrestrict,
}

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// Send the quarantine digests that are due (the server does it every ten minutes);
    /// with --now, everyone's who has mail kept since their last digest.
    Digests {
        #[arg(long)]
        now: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is read from standard input (one line).
    Add {
        /// The account's email address.
        email: String,
        /// mailuser, domainadmin or masteradmin.
        #[arg(long, default_value = "mailuser", value_parser = parse_role)]
        role: Role,
    },
    /// Set an account's password (read from standard input) and sign it out everywhere.
    Passwd {
        /// The account's email address.
        email: String,
    },
    /// Unlock an account's authenticator codes after too many wrong ones.
    #[command(name = "unlock-2fa")]
    UnlockTwoFactor {
        /// The account's email address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Add a domain to serve mail for.
    Add {
        /// The domain name, e.g. example.org.
        name: String,
    },
    /// Look up the TXT record of every verified domain now (the server does it daily) and
    /// warn the admins of those whose record is gone.
    Recheck,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// Runs one command to its end.
pub async fn run(command: Command, config: &Config) -> Result<(), Failure> {
    // These work on files and must not open (or create) the store in the data directory.
    match command {
        Command::CheckConfig => {
            let mut shown = config.clone();
            if shown.mail_auth.secret.is_some() {
                shown.mail_auth.secret = Some("(set, not shown)".into());
            }
            if shown.database_url.is_some() {
                // It may carry a password.
                shown.database_url = Some("(set, not shown)".into());
            }
            println!("The configuration is valid. Settings in effect:\n\n{shown:#?}");
            Ok(())
        }
        Command::Backup { dir } => {
            let done = crate::backup::backup(config, &dir).await?;
            println!(
                "Backed up {} into {}: {} files, {} bytes.",
                config.data_dir.display(),
                dir.display(),
                done.files,
                done.bytes
            );
            if done.left_out > 0 {
                println!(
                    "{} queued or quarantined messages left the server while the backup ran and are not in it.",
                    done.left_out
                );
            }
            Ok(())
        }
        Command::Restore { dir } => {
            let done = crate::backup::restore(config, &dir).await?;
            println!(
                "Restored {} files ({} bytes) from {} into {}. Start mailportal to serve them.",
                done.files,
                done.bytes,
                dir.display(),
                config.data_dir.display()
            );
            Ok(())
        }
        Command::Api(_) => Err(needs_url()),
        other => run_with_store(other, config).await,
    }
}

/// The commands that work on the store.
async fn run_with_store(command: Command, config: &Config) -> Result<(), Failure> {
    let backend = crate::backend(config, Clock::System).await?;
    let now = backend.clock.now();
    let by = Operator::CommandLine;
    match command {
        Command::Serve => {
            let listeners = crate::Listeners::bind(config).await?;
            crate::serve(config, backend, listeners, crate::shutdown_signal()).await
        }
        // Run without the store, above.
        Command::CheckConfig | Command::Backup { .. } | Command::Restore { .. } => Ok(()),
        Command::Api(_) => Err(needs_url()),
        Command::Migrate => {
            println!(
                "The database in {} is up to date.",
                config.data_dir.display()
            );
            Ok(())
        }
        Command::User(UserCommand::Add { email, role }) => {
            let password = read_password()?;
            admin::create_account(&backend, &by, &email, role, &password, now)
                .await
                .map_err(explain)?;
            println!("Added {} as {}.", email.trim().to_lowercase(), role.label());
            Ok(())
        }
        Command::User(UserCommand::Passwd { email }) => {
            let password = read_password()?;
            admin::set_password(&backend, &by, &email, &password, now)
                .await
                .map_err(explain)?;
            println!(
                "Password set; every session of {} was signed out.",
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::User(UserCommand::UnlockTwoFactor { email }) => {
            let actor = store::audit::Actor {
                ip: Some("command line"),
                ..Default::default()
            };
            two_factor::unlock(&backend, &actor, &DomainScope::All, &email, now)
                .await
                .map_err(explain)?;
            println!(
                "The authenticator codes of {} are unlocked.",
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::Domain(DomainCommand::Add { name }) => {
            admin::create_domain(&backend, &by, &name, now)
                .await
                .map_err(explain)?;
            println!("Added the domain {}.", name.trim().to_lowercase());
            Ok(())
        }
        Command::Quarantine(QuarantineCommand::Digests { now: at_once }) => {
            let when = if at_once {
                digests::When::Now
            } else {
                digests::When::Due
            };
            let sent = digests::send(&backend, when, now).await.map_err(explain)?;
            println!(
                "Sent {} quarantine digests listing {} messages.",
                sent.digests, sent.messages
            );
            Ok(())
        }
        Command::Admin(AdminCommand::Unrestrict) => {
            let actor = store::audit::Actor {
                ip: Some("command line"),
                ..Default::default()
            };
            let lifted = admin_ips::unrestrict(&backend, &actor, now)
                .await
                .map_err(explain)?;
            println!(
                "{}",
                if lifted {
                    "Admin access is no longer restricted: admins may sign in from any address. The admin IP access list is kept."
                } else {
                    "Admin access was not restricted; nothing changed."
                }
            );
            Ok(())
        }
        Command::Domain(DomainCommand::Recheck) => {
            let r = app::backend::domain_watch::recheck_all(&backend, now)
                .await
                .map_err(explain)?;
            println!(
                "Checked {} verified domains: record gone {:?}, back {:?}, lookup failed {:?}.",
                r.checked, r.newly_missing, r.back, r.lookup_failed
            );
            Ok(())
        }
    }
}

fn needs_url() -> Failure {
    Failure("mailportal api needs --url and --token".into())
}

/// Runs one command against the portal at `url` through its API, as the admin who made
/// `token`: the portal checks the token's rights and records what is done in its audit
/// log. Commands that need the server's own files are refused with where to run them.
pub async fn run_remote(command: Command, url: &str, token: &str) -> Result<(), Failure> {
    let remote = Remote::new(url, token)?;
    match command {
        Command::Api(ApiCommand::List) => {
            let endpoints = remote.endpoints().await?;
            let width = endpoints.iter().map(|(e, _)| e.len()).max().unwrap_or(0);
            for (endpoint, summary) in endpoints {
                let line = format!("{endpoint:width$}  {summary}");
                println!("{}", line.trim_end());
            }
            Ok(())
        }
        Command::Api(ApiCommand::Call { endpoint, fields }) => {
            let pairs = fields
                .iter()
                .map(|f| match f.split_once('=') {
                    Some((name, value)) if !name.is_empty() => {
                        Ok((name.to_string(), value.to_string()))
                    }
                    _ => Err(Failure(format!(
                        "the field \"{f}\" is not name=value (e.g. domain=3)"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let answer = remote.call(&endpoint, &pairs).await?;
            let text = serde_json::to_string_pretty(&answer)
                .map_err(|e| Failure(format!("cannot show the answer: {e}")))?;
            println!("{text}");
            Ok(())
        }
        Command::Domain(DomainCommand::Add { name }) => {
            remote
                .call("domains/add", &form(&[("name", &name)]))
                .await?;
            println!("Added the domain {}.", name.trim().to_lowercase());
            Ok(())
        }
        Command::User(UserCommand::Add { email, role }) if role != Role::MailUser => {
            // An admin with every area: of every domain (a master admin), or of their own.
            let address = parse_address(&email)?;
            let domains = match role {
                Role::MasterAdmin => String::new(),
                _ => address.domain().as_str().to_string(),
            };
            let password = read_password()?;
            let fields = [
                ("email", address.as_str()),
                ("password", password.as_str()),
                ("write", "true"),
                ("domains", domains.as_str()),
            ];
            remote.call("admins/add", &form(&fields)).await?;
            println!("Added {address} as {}.", role.label());
            Ok(())
        }
        Command::User(UserCommand::Add { email, role }) => {
            let address = parse_address(&email)?;
            let domain = domain_id(&remote, &address).await?.to_string();
            let password = read_password()?;
            let local = address.local_part();
            remote
                .call(
                    "mailboxes/add",
                    &form(&[
                        ("domain", &domain),
                        ("local_part", local),
                        ("display_name", local),
                        ("password", &password),
                        // Empty is no limit, as the local command adds accounts.
                        ("quota", ""),
                    ]),
                )
                .await?;
            println!("Added {} as {}.", email.trim().to_lowercase(), role.label());
            Ok(())
        }
        Command::User(UserCommand::Passwd { email }) => {
            let address = parse_address(&email)?;
            let domain = domain_id(&remote, &address).await?.to_string();
            let search = [("domain", domain.as_str()), ("search", address.as_str())];
            let id = find_id(&remote, "mailboxes/list", &search, |row| {
                row["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(address.as_str()))
            })
            .await?
            .ok_or_else(|| Failure("no account has that address".into()))?
            .to_string();
            let password = read_password()?;
            remote
                .call(
                    "mailboxes/password",
                    &form(&[("id", &id), ("password", &password)]),
                )
                .await?;
            println!(
                "Password set; every session of {} was signed out.",
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::User(UserCommand::UnlockTwoFactor { email }) => {
            remote
                .call("two_factor/unlock", &form(&[("email", &email)]))
                .await?;
            println!(
                "The authenticator codes of {} are unlocked.",
                email.trim().to_lowercase()
            );
            Ok(())
        }
        Command::Serve => Err(on_the_server("serve", "")),
        Command::Migrate => Err(on_the_server("migrate", "")),
        Command::CheckConfig => Err(on_the_server("check-config", "")),
        Command::Backup { .. } => Err(on_the_server("backup", "")),
        Command::Restore { .. } => Err(on_the_server("restore", "")),
        Command::Domain(DomainCommand::Recheck) => Err(on_the_server("domain recheck", "")),
        Command::Quarantine(QuarantineCommand::Digests { .. }) => {
            Err(on_the_server("quarantine digests", ""))
        }
        Command::Admin(AdminCommand::Unrestrict) => Err(on_the_server(
            "admin unrestrict",
            " It is the way back in when the API itself refuses you.",
        )),
    }
}

/// A command that has no API function: it works on the server's files, or is the way in
/// when the API is out of reach.
fn on_the_server(command: &str, why: &str) -> Failure {
    Failure(format!(
        "{command} works on the server's own data directory: run it there, without --url.{why}"
    ))
}

/// A form from its fields, as `Remote::call` sends it.
fn form(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The address as the portal stores it (lower case, punycode), to find its domain and
/// mailbox in the lists.
fn parse_address(email: &str) -> Result<EmailAddress, Failure> {
    EmailAddress::parse(email).map_err(|e| Failure(format!("{}: {e}", email.trim())))
}

/// The portal's id of the domain of `address`, which the mailbox functions take.
async fn domain_id(remote: &Remote, address: &EmailAddress) -> Result<i64, Failure> {
    let domain = address.domain();
    find_id(
        remote,
        "admin/domains",
        &[("search", domain.as_str())],
        |row| row["name"].as_str() == Some(domain.as_str()),
    )
    .await?
    .ok_or_else(|| {
        Failure(format!(
            "the portal serves no domain {domain}, or the token does not reach it"
        ))
    })
}

/// The id of the row of a paged list (`admin/domains`, `mailboxes/list`) that `wanted`
/// picks. The search narrows the list but matches parts of names too, so the row wanted
/// may be on a later page.
async fn find_id(
    remote: &Remote,
    endpoint: &str,
    search: &[(&str, &str)],
    wanted: impl Fn(&serde_json::Value) -> bool,
) -> Result<Option<i64>, Failure> {
    let mut seen = 0;
    let mut page = 1_i64;
    loop {
        let number = page.to_string();
        let mut fields = form(search);
        fields.push(("page".into(), number));
        let answer = remote.call(endpoint, &fields).await?;
        let rows = answer["page"]["rows"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(row) = rows.iter().find(|row| wanted(row)) {
            return Ok(row["id"].as_i64());
        }
        seen += rows.len();
        let total = answer["page"]["total"].as_u64().unwrap_or_default();
        if rows.is_empty() || seen as u64 >= total {
            return Ok(None);
        }
        page += 1;
    }
}

/// One line from standard input, without its line ending (nothing else is trimmed:
/// spaces belong to the password).
fn read_password() -> Result<String, Failure> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprintln!("Type the password and press Enter (it will be shown):");
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_string())
}

fn explain(e: AppError) -> Failure {
    match e {
        AppError::NotFound => Failure("no account has that address".into()),
        other => Failure(other.to_string()),
    }
}
