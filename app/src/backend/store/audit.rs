//! The audit log: security-relevant changes and refused requests.

use crate::model::{rows::AuditRow, time::UnixTime};
use sqlx::SqlitePool;

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
        }
    }
}

/// Who did it and from where; `None` fields for the command line.
#[derive(Debug, Clone, Default)]
pub struct Actor<'a> {
    pub account_id: Option<i64>,
    pub email: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub async fn record(
    pool: &SqlitePool,
    actor: &Actor<'_>,
    action: AuditAction,
    detail: &str,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor, action, detail, ip) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(now)
        .bind(actor.account_id)
        .bind(actor.email)
        .bind(action.as_str())
        .bind(detail)
        .bind(actor.ip)
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest entries first.
pub async fn list(pool: &SqlitePool, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor, action, detail, ip FROM audit_log ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
