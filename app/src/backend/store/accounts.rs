//! Accounts: who may sign in, with which role, and their password hash.

use crate::backend::store::db::{self, Conn, Db};
use crate::{
    backend::auth::password::PasswordHash,
    model::{mailbox::Quota, time::UnixTime, EmailAddress, Role},
};

/// An account as stored, with its secret hash kept in its own type.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub domain_id: Option<i64>,
    pub password_hash: PasswordHash,
    pub password_changed_at: UnixTime,
    pub recovery_email: Option<String>,
    pub enabled: bool,
    /// Bumped by every change to how the account may log in (migration 0005).
    pub auth_version: i64,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    email: String,
    role: String,
    domain_id: Option<i64>,
    password_hash: String,
    password_changed_at: i64,
    recovery_email: Option<String>,
    enabled: bool,
    auth_version: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = sqlx::Error;
    fn try_from(r: AccountRow) -> Result<Self, Self::Error> {
        Ok(Account {
            id: r.id,
            role: r
                .role
                .parse()
                .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
            email: r.email,
            domain_id: r.domain_id,
            password_hash: PasswordHash::from_stored(r.password_hash),
            password_changed_at: r.password_changed_at,
            recovery_email: r.recovery_email,
            enabled: r.enabled,
            auth_version: r.auth_version,
        })
    }
}

const COLUMNS: &str = "id, email, role, domain_id, password_hash, password_changed_at, \
                       recovery_email, enabled, auth_version";

pub async fn find_by_email(
    pool: &Db,
    email: &EmailAddress,
) -> Result<Option<Account>, sqlx::Error> {
    db::query_as::<AccountRow>(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(pool)
        .await?
        .map(Account::try_from)
        .transpose()
}

pub async fn find_by_id(pool: &Db, id: i64) -> Result<Option<Account>, sqlx::Error> {
    db::query_as::<AccountRow>(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Account::try_from)
        .transpose()
}

pub struct NewAccount<'a> {
    pub email: &'a EmailAddress,
    pub role: Role,
    pub domain_id: Option<i64>,
    pub password_hash: &'a PasswordHash,
    pub profile: &'a Profile,
}

/// What a domain admin sets on a mailbox besides its address and password.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub display_name: String,
    pub quota: Quota,
}

/// Inserts an account; a taken address comes back as a unique violation.
pub async fn insert(
    conn: &mut Conn<'_>,
    new: NewAccount<'_>,
    now: UnixTime,
) -> Result<i64, sqlx::Error> {
    db::query_scalar(
        "INSERT INTO accounts (email, role, domain_id, password_hash, password_changed_at, \
             created_at, display_name, quota_bytes) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
    )
    .bind(new.email.as_str())
    .bind(new.role.as_str())
    .bind(new.domain_id)
    .bind(new.password_hash.as_stored())
    .bind(now)
    .bind(new.profile.display_name.trim())
    .bind(new.profile.quota.bytes() as i64)
    .fetch_one(conn)
    .await
}

pub async fn set_password(
    conn: &mut Conn<'_>,
    id: i64,
    hash: &PasswordHash,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash.as_stored())
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_recovery_email(
    pool: &Db,
    id: i64,
    recovery: Option<&EmailAddress>,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET recovery_email = $1 WHERE id = $2")
        .bind(recovery.map(EmailAddress::as_str))
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn count_with_role(pool: &Db, role: Role) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM accounts WHERE role = $1 AND enabled = TRUE")
        .bind(role.as_str())
        .fetch_one(pool)
        .await
}

pub async fn make_domain_admin(
    conn: &mut Conn<'_>,
    account_id: i64,
    domain_id: i64,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO domain_admins (account_id, domain_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(domain_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The domains a domain admin administers.
pub async fn administered_domains(pool: &Db, account_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    db::query_scalar("SELECT domain_id FROM domain_admins WHERE account_id = $1 ORDER BY domain_id")
        .bind(account_id)
        .fetch_all(pool)
        .await
}

/// A TOTP factor that is on, or a passkey: what "has a second factor" means.
const HAS_SECOND_FACTOR: &str = "(EXISTS (SELECT 1 FROM totp_factors t \
     WHERE t.account_id = a.id AND t.enabled_at IS NOT NULL) \
     OR EXISTS (SELECT 1 FROM passkeys p WHERE p.account_id = a.id))";

/// Admins (domain and master) who have no second factor, by address.
pub async fn admins_without_two_factor(pool: &Db) -> Result<Vec<String>, sqlx::Error> {
    db::query_scalar(&format!(
        "SELECT a.email FROM accounts a WHERE a.role <> 'mailuser' AND NOT {HAS_SECOND_FACTOR} \
         ORDER BY a.email"
    ))
    .fetch_all(pool)
    .await
}

/// True when the account has TOTP on or at least one passkey.
pub async fn has_second_factor(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    db::query_scalar(&format!(
        "SELECT {HAS_SECOND_FACTOR} FROM accounts a WHERE a.id = $1"
    ))
    .bind(account_id)
    .fetch_one(pool)
    .await
}

/// The account's WebAuthn user handle, made (16 random bytes) on first use.
pub async fn webauthn_handle(pool: &Db, account_id: i64) -> Result<Vec<u8>, sqlx::Error> {
    let existing: Option<Vec<u8>> =
        db::query_scalar("SELECT webauthn_handle FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(pool)
            .await?;
    if let Some(handle) = existing {
        return Ok(handle);
    }
    let mut handle = vec![0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut handle);
    // Two requests at once: the first one's handle stays.
    db::query("UPDATE accounts SET webauthn_handle = $2 WHERE id = $1 AND webauthn_handle IS NULL")
        .bind(account_id)
        .bind(&handle)
        .execute(pool)
        .await?;
    db::query_scalar("SELECT webauthn_handle FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await
}

/// The account whose WebAuthn user handle this is.
pub async fn find_by_webauthn_handle(
    pool: &Db,
    handle: &[u8],
) -> Result<Option<Account>, sqlx::Error> {
    db::query_as::<AccountRow>(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE webauthn_handle = $1"
    ))
    .bind(handle)
    .fetch_optional(pool)
    .await?
    .map(Account::try_from)
    .transpose()
}

/// Whether the account may sign in to the portal with its password.
pub async fn password_sign_in(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    db::query_scalar("SELECT password_sign_in FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await
}

pub async fn set_password_sign_in(
    pool: &Db,
    account_id: i64,
    allowed: bool,
) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET password_sign_in = $2 WHERE id = $1")
        .bind(account_id)
        .bind(allowed)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether IMAP, POP3 and SMTP logins are open for the account (outside webmail).
pub async fn mail_access(pool: &Db, account_id: i64) -> Result<bool, sqlx::Error> {
    db::query_scalar("SELECT mail_access FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await
}

pub async fn set_mail_access(pool: &Db, account_id: i64, open: bool) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET mail_access = $2 WHERE id = $1")
        .bind(account_id)
        .bind(open)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stops an account administering a domain; true when it administered it.
pub async fn remove_domain_admin(
    conn: &mut Conn<'_>,
    account_id: i64,
    domain_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = db::query("DELETE FROM domain_admins WHERE account_id = $1 AND domain_id = $2")
        .bind(account_id)
        .bind(domain_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The accounts that administer a domain: (id, address), by address.
pub async fn domain_admins(pool: &Db, domain_id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    db::query_as(
        "SELECT a.id, a.email FROM domain_admins da JOIN accounts a ON a.id = da.account_id \
         WHERE da.domain_id = $1 ORDER BY a.email",
    )
    .bind(domain_id)
    .fetch_all(pool)
    .await
}

pub async fn set_role(conn: &mut Conn<'_>, id: i64, role: Role) -> Result<(), sqlx::Error> {
    db::query("UPDATE accounts SET role = $2 WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// How many domains an account administers.
pub async fn administered_count(conn: &mut Conn<'_>, account_id: i64) -> Result<i64, sqlx::Error> {
    db::query_scalar("SELECT COUNT(*) FROM domain_admins WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(conn)
        .await
}

/// The id and auth version of the account with this address (stored in lower case): the
/// mail login check's one read for a remembered login (`hot_reads` answers it on SQLite).
pub async fn auth_version(db: &Db, email: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    db::query_as("SELECT id, auth_version FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await
}
