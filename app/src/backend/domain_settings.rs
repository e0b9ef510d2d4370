//! The Settings page of a domain: contact, notices' From address, time zone, days logs are
//! kept and mail retried, and characters refused in new local parts; reset to defaults.

use super::{
    auth::ctx::DomainAdminCtx,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        domain_settings::{DomainSettings, DomainSettingsView, SettingsForm},
        time::UnixTime,
    },
};
use std::path::Path;

/// Where the system keeps its time zone database (Debian's tzdata).
const ZONEINFO: &str = "/usr/share/zoneinfo";

pub async fn get(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<DomainSettingsView, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "see the domain settings", now)
        .await?;
    Ok(DomainSettingsView {
        kind: domain.kind,
        domain: domain.name,
        settings: store::domains::settings(&backend.pool, domain_id).await?,
    })
}

pub async fn save(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    form: &SettingsForm<'_>,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = ctx
        .domain(backend, domain_id, "change the domain settings", now)
        .await?;
    let settings = DomainSettings::parse(form).map_err(|(f, r)| AppError::invalid(f, r))?;
    if let Some(tz) = &settings.timezone {
        // The shape check keeps the name inside the directory.
        let zoneinfo = Path::new(ZONEINFO);
        if zoneinfo.is_dir() && tz != "UTC" && !zoneinfo.join(tz).is_file() {
            return Err(AppError::invalid(
                "timezone",
                format!("“{tz}” is not a known time zone. Use a name like Europe/Berlin."),
            ));
        }
    }
    store::domains::set_settings(&backend.pool, domain_id, &settings).await?;
    let action = AuditAction::DomainSettingsChanged;
    ctx.user
        .audit_in(backend, domain_id, action, &domain.name, now)
        .await
}

pub async fn reset(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = ctx
        .domain(backend, domain_id, "reset the domain settings", now)
        .await?;
    store::domains::set_settings(&backend.pool, domain_id, &DomainSettings::default()).await?;
    let detail = format!("{}: reset to defaults", domain.name);
    let action = AuditAction::DomainSettingsChanged;
    ctx.user
        .audit_in(backend, domain_id, action, &detail, now)
        .await
}

/// Refuses a new local part with a character the domain's settings reject.
pub async fn check_local_part(
    backend: &Backend,
    domain_id: i64,
    local_part: &str,
    field: &str,
) -> Result<(), AppError> {
    let settings = store::domains::settings(&backend.pool, domain_id).await?;
    match settings.refused_char(local_part) {
        Some(c) => Err(AppError::invalid(
            field,
            format!("This domain does not accept “{c}” in addresses (see its Settings)."),
        )),
        None => Ok(()),
    }
}
