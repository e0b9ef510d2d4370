//! The audit log: security-relevant changes and refused requests.

use super::super::auth::ctx::DomainScope;
use crate::backend::store::db::{self, Builder, Db, Exec};
use crate::model::{
    audit::{AuditQuery, AuditRow},
    list::{offset, PAGE_SIZE},
    time::UnixTime,
};

/// What happened. Stored as text; listed by `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    FirstAdminCreated,
    AccountCreated,
    DomainCreated,
    DomainVerified,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    RecoveryEmailChanged,
    SessionRevoked,
    OtherSessionsSignedOut,
    AccessDenied,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    TwoFactorUnlocked,
    TwoFactorPolicyChanged,
    PasskeyAdded,
    PasskeyRenamed,
    PasskeyDeleted,
    PasswordSignInChanged,
    DevicePasswordCreated,
    DevicePasswordRevoked,
    MailAccessChanged,
    MailboxChanged,
    MailboxEnabled,
    MailboxDisabled,
    MailboxDeleted,
    AliasCreated,
    AliasChanged,
    AliasDeleted,
    DomainAdminAssigned,
    DomainAdminRemoved,
    DomainDeleted,
    RouteAdded,
    RouteDeleted,
    RoutesReordered,
    SdrChanged,
    LocalRoutesChanged,
    SenderAddressAdded,
    SenderAddressChanged,
    SenderAddressDeleted,
    DomainSettingsChanged,
    ThresholdsChanged,
    SenderListEntryAdded,
    SenderListEntryChanged,
    SenderListEntryDeleted,
    FilterSettingsChanged,
    BlockedExtensionsChanged,
    LocalRecipientAdded,
    LocalRecipientDeleted,
    LocalRecipientsCleared,
    CalloutsChanged,
    CalloutCacheCleared,
    CsvImported,
    QuarantineReleased,
    QuarantineDeleted,
    QueueRetried,
    PersonalSenderListed,
    PersonalSenderRemoved,
    QueueDeleted,
    /// Messages reported as spam or not spam (from the log or as uploaded files).
    MessagesReported,
    /// A person went over the hourly sending limit and was blocked from sending.
    SenderBlocked,
    SenderUnblocked,
    /// A person turned their quarantine digests on or off.
    DigestChoiceChanged,
    /// An admin marked an IP range safe for a user's logins, or took it off.
    TrustedIpAdded,
    TrustedIpRemoved,
    /// A successful login from a country the account had not been used from.
    LoginFromNewCountry,
    /// The admin IP access list: an entry added or removed, admin access restricted to
    /// it or let free again.
    AdminIpAdded,
    AdminIpRemoved,
    AdminIpsRestricted,
    AdminIpsUnrestricted,
    /// An admin made an API token, or revoked one.
    ApiTokenCreated,
    ApiTokenRevoked,
    /// A master admin set which areas an admin may use, and whether to change things.
    AdminRightsChanged,
    /// A domain's old IMAP server for auto migration was set or removed.
    MigrationSourceChanged,
    /// A user signed up with their old server's password; their copy started.
    MigrationStarted,
    /// A copy was queued again, or stopped.
    MigrationRetried,
    MigrationCancelled,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::FirstAdminCreated => "first_admin_created",
            AuditAction::AccountCreated => "account_created",
            AuditAction::DomainCreated => "domain_created",
            AuditAction::DomainVerified => "domain_verified",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordResetRequested => "password_reset_requested",
            AuditAction::RecoveryEmailChanged => "recovery_email_changed",
            AuditAction::SessionRevoked => "session_revoked",
            AuditAction::OtherSessionsSignedOut => "other_sessions_signed_out",
            AuditAction::AccessDenied => "access_denied",
            AuditAction::TwoFactorEnabled => "two_factor_enabled",
            AuditAction::TwoFactorDisabled => "two_factor_disabled",
            AuditAction::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            AuditAction::RecoveryCodeUsed => "recovery_code_used",
            AuditAction::TwoFactorUnlocked => "two_factor_unlocked",
            AuditAction::TwoFactorPolicyChanged => "two_factor_policy_changed",
            AuditAction::PasskeyAdded => "passkey_added",
            AuditAction::PasskeyRenamed => "passkey_renamed",
            AuditAction::PasskeyDeleted => "passkey_deleted",
            AuditAction::PasswordSignInChanged => "password_sign_in_changed",
            AuditAction::DevicePasswordCreated => "device_password_created",
            AuditAction::DevicePasswordRevoked => "device_password_revoked",
            AuditAction::MailAccessChanged => "mail_access_changed",
            AuditAction::MailboxChanged => "mailbox_changed",
            AuditAction::MailboxEnabled => "mailbox_enabled",
            AuditAction::MailboxDisabled => "mailbox_disabled",
            AuditAction::MailboxDeleted => "mailbox_deleted",
            AuditAction::AliasCreated => "alias_created",
            AuditAction::AliasChanged => "alias_changed",
            AuditAction::AliasDeleted => "alias_deleted",
            AuditAction::DomainAdminAssigned => "domain_admin_assigned",
            AuditAction::DomainAdminRemoved => "domain_admin_removed",
            AuditAction::DomainDeleted => "domain_deleted",
            AuditAction::RouteAdded => "route_added",
            AuditAction::RouteDeleted => "route_deleted",
            AuditAction::RoutesReordered => "routes_reordered",
            AuditAction::SdrChanged => "sdr_changed",
            AuditAction::LocalRoutesChanged => "local_routes_changed",
            AuditAction::SenderAddressAdded => "sender_address_added",
            AuditAction::SenderAddressChanged => "sender_address_changed",
            AuditAction::SenderAddressDeleted => "sender_address_deleted",
            AuditAction::DomainSettingsChanged => "domain_settings_changed",
            AuditAction::ThresholdsChanged => "antispam_thresholds_changed",
            AuditAction::SenderListEntryAdded => "sender_list_entry_added",
            AuditAction::SenderListEntryChanged => "sender_list_entry_changed",
            AuditAction::SenderListEntryDeleted => "sender_list_entry_deleted",
            AuditAction::FilterSettingsChanged => "filter_settings_changed",
            AuditAction::BlockedExtensionsChanged => "blocked_extensions_changed",
            AuditAction::LocalRecipientAdded => "local_recipient_added",
            AuditAction::LocalRecipientDeleted => "local_recipient_deleted",
            AuditAction::LocalRecipientsCleared => "local_recipients_cleared",
            AuditAction::CalloutsChanged => "recipient_callouts_changed",
            AuditAction::CalloutCacheCleared => "callout_cache_cleared",
            AuditAction::CsvImported => "csv_imported",
            AuditAction::QuarantineReleased => "quarantine_released",
            AuditAction::QuarantineDeleted => "quarantine_deleted",
            AuditAction::QueueRetried => "queue_retried",
            AuditAction::PersonalSenderListed => "personal_sender_listed",
            AuditAction::PersonalSenderRemoved => "personal_sender_removed",
            AuditAction::QueueDeleted => "queue_deleted",
            AuditAction::MessagesReported => "messages_reported",
            AuditAction::SenderBlocked => "sender_blocked",
            AuditAction::SenderUnblocked => "sender_unblocked",
            AuditAction::DigestChoiceChanged => "digest_choice_changed",
            AuditAction::TrustedIpAdded => "trusted_ip_added",
            AuditAction::TrustedIpRemoved => "trusted_ip_removed",
            AuditAction::LoginFromNewCountry => "login_from_new_country",
            AuditAction::AdminIpAdded => "admin_ip_added",
            AuditAction::AdminIpRemoved => "admin_ip_removed",
            AuditAction::AdminIpsRestricted => "admin_ips_restricted",
            AuditAction::AdminIpsUnrestricted => "admin_ips_unrestricted",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::ApiTokenRevoked => "api_token_revoked",
            AuditAction::AdminRightsChanged => "admin_rights_changed",
            AuditAction::MigrationSourceChanged => "migration_source_changed",
            AuditAction::MigrationStarted => "migration_started",
            AuditAction::MigrationRetried => "migration_retried",
            AuditAction::MigrationCancelled => "migration_cancelled",
        }
    }
}

/// Who did it and from where; `None` fields for the command line.
#[derive(Debug, Clone, Default)]
pub struct Actor<'a> {
    pub account_id: Option<i64>,
    pub email: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// The domain the change concerns: its admins read it in their log.
    pub domain_id: Option<i64>,
}

pub async fn record<'e>(
    db: impl Into<Exec<'e>>,
    actor: &Actor<'_>,
    action: AuditAction,
    detail: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    db::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, detail, ip, domain_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(actor.account_id)
    .bind(actor.email)
    .bind(action.as_str())
    .bind(detail)
    .bind(actor.ip)
    .bind(actor.domain_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Appends the conditions of `query` within `scope`.
fn push_filters(b: &mut Builder<'_>, scope: &DomainScope, query: &AuditQuery) {
    b.push(" FROM audit_log a LEFT JOIN domains d ON d.id = a.domain_id WHERE 1 = 1");
    if let DomainScope::Only(ids) = scope {
        // The entries of one's own domains; nothing when one has none.
        b.push(" AND a.domain_id IN (NULL");
        for id in ids {
            b.push(", ").push_bind(*id);
        }
        b.push(")");
    }
    let like = |b: &mut Builder<'_>, column: &str, pattern: &Option<String>| {
        if let Some(p) = pattern {
            b.push(format!(" AND lower(coalesce({column}, '')) LIKE "))
                .push_bind(p.clone())
                .push(" ESCAPE '\\'");
        }
    };
    like(b, "a.actor", &query.who);
    like(b, "a.ip", &query.ip);
    like(b, "d.name", &query.domain);
    if let Some(action) = &query.action {
        b.push(" AND a.action = ").push_bind(action.clone());
    }
    if let Some(since) = query.since {
        b.push(" AND a.at >= ").push_bind(since);
    }
    if let Some(until) = query.until {
        b.push(" AND a.at < ").push_bind(until);
    }
}

/// One page of the entries that match, newest first, and how many match in all.
pub async fn page(
    pool: &Db,
    scope: &DomainScope,
    query: &AuditQuery,
    page: i64,
) -> Result<(Vec<AuditRow>, i64), sqlx::Error> {
    let mut count = Builder::new("SELECT count(*)");
    push_filters(&mut count, scope, query);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut rows =
        Builder::new("SELECT a.id, a.at, a.actor, a.action, a.detail, a.ip, d.name AS domain");
    push_filters(&mut rows, scope, query);
    rows.push(" ORDER BY a.id DESC LIMIT ")
        .push_bind(PAGE_SIZE)
        .push(" OFFSET ")
        .push_bind(offset(page));
    let rows = rows.build_query_as().fetch_all(pool).await?;
    Ok((rows, total))
}

/// The actions that occur in the entries of `scope`, for the filter's list.
pub async fn actions(pool: &Db, scope: &DomainScope) -> Result<Vec<String>, sqlx::Error> {
    let mut b = Builder::new("SELECT DISTINCT a.action");
    push_filters(&mut b, scope, &AuditQuery::default());
    b.push(" ORDER BY a.action");
    b.build_query_scalar().fetch_all(pool).await
}

/// Changes to the security of one account that its owner made, newest first, for their
/// Security page.
pub async fn security_events(
    pool: &Db,
    account_id: i64,
    limit: i64,
) -> Result<Vec<(UnixTime, String, String, Option<String>)>, sqlx::Error> {
    let mut b: Builder<'_> =
        Builder::new("SELECT at, action, detail, ip FROM audit_log WHERE actor_id = ");
    b.push_bind(account_id).push(" AND action IN (");
    let mut list = b.separated(", ");
    for action in SECURITY_ACTIONS {
        list.push_bind(action.as_str());
    }
    b.push(") ORDER BY id DESC LIMIT ").push_bind(limit);
    b.build_query_as().fetch_all(pool).await
}

/// What a person's Security page lists of their own changes.
const SECURITY_ACTIONS: &[AuditAction] = &[
    AuditAction::LoginFromNewCountry,
    AuditAction::PasswordChanged,
    AuditAction::PasswordReset,
    AuditAction::RecoveryEmailChanged,
    AuditAction::TwoFactorEnabled,
    AuditAction::TwoFactorDisabled,
    AuditAction::RecoveryCodesRegenerated,
    AuditAction::RecoveryCodeUsed,
    AuditAction::PasskeyAdded,
    AuditAction::PasskeyDeleted,
    AuditAction::PasswordSignInChanged,
    AuditAction::DevicePasswordCreated,
    AuditAction::DevicePasswordRevoked,
    AuditAction::MailAccessChanged,
    AuditAction::SessionRevoked,
    AuditAction::OtherSessionsSignedOut,
];
