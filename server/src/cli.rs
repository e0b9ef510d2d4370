//! The command line: `serve` (the default), `migrate`, `check-config`, `backup`,
//! `restore`, `user add|passwd|unlock-2fa`, `domain add|recheck`, `quarantine digests`,
//! `admin unrestrict`.

use crate::{config::Config, Failure};
use app::{
    backend::{
        admin, admin::Operator, admin_ips, auth::ctx::DomainScope, digests, store, two_factor,
        Clock,
    },
    error::AppError,
    model::Role,
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
