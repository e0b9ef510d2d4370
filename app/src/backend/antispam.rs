//! The antispam policy screens: thresholds per domain and global; `mail_domain` for the
//! other policy screens (sender lists, filter settings).

use super::{
    auth::ctx::{DomainAdminCtx, MasterAdminCtx},
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        antispam::{ThresholdPreview, Thresholds, ThresholdsView, Treatment},
        mail_log::Verdict,
        route::DomainKind,
        rows::DomainRow,
        time::UnixTime,
    },
};

/// A domain whose mail the caller's policy judges: one they administer, and not an alias
/// (an alias's mail is judged by its main domain's policy).
pub async fn mail_domain(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    id: i64,
    what: &str,
    now: UnixTime,
) -> Result<DomainRow, AppError> {
    let domain = ctx.domain(backend, id, what, now).await?;
    if domain.kind == DomainKind::Alias {
        return Err(AppError::NotAllowed(format!(
            "{} is an alias: its mail is judged by its main domain's settings.",
            domain.name
        )));
    }
    Ok(domain)
}

fn parse(defer: &str, tag: &str, reject: &str) -> Result<Thresholds, AppError> {
    Thresholds::parse(defer, tag, reject).map_err(|(f, r)| AppError::invalid(f, r))
}

pub async fn thresholds(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<ThresholdsView, AppError> {
    let domain = ctx
        .domain(backend, domain_id, "see the antispam thresholds", now)
        .await?;
    Ok(ThresholdsView {
        kind: domain.kind,
        domain: domain.name,
        own: store::antispam::of_domain(&backend.pool, domain_id).await?,
        global: store::antispam::global(&backend.pool).await?,
    })
}

/// Days of mail the thresholds preview replays.
pub const PREVIEW_DAYS: i64 = 7;

/// How the domain's scored mail of the last days went, and how it would have gone with the
/// thresholds typed (not saved).
pub async fn preview_thresholds(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    (defer, tag, reject): (&str, &str, &str),
    now: UnixTime,
) -> Result<ThresholdPreview, AppError> {
    mail_domain(backend, ctx, domain_id, "preview antispam thresholds", now).await?;
    let t = parse(defer, tag, reject)?;
    let reader = store::reader::Reader::Domains(vec![domain_id]);
    let since = now - PREVIEW_DAYS * 86_400;
    let logged: Vec<(f64, Treatment)> = store::mail_log::scores(&backend.pool, &reader, since)
        .await?
        .into_iter()
        .filter_map(|(score, verdict)| Some((score, Treatment::logged(Verdict::parse(&verdict)?)?)))
        .collect();
    let quarantines = store::filter_settings::get(&backend.pool, domain_id)
        .await?
        .quarantine;
    Ok(ThresholdPreview::count(
        PREVIEW_DAYS,
        &logged,
        &t,
        quarantines,
    ))
}

/// Sets the domain's own thresholds; they judge its next message.
pub async fn save_thresholds(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    (defer, tag, reject): (&str, &str, &str),
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = ctx
        .domain(backend, domain_id, "change the antispam thresholds", now)
        .await?;
    let t = parse(defer, tag, reject)?;
    store::antispam::set_domain(&backend.pool, domain_id, Some(&t)).await?;
    let detail = format!("{}: {}", domain.name, t.describe());
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::ThresholdsChanged,
            &detail,
            now,
        )
        .await
}

/// Returns the domain to the global thresholds.
pub async fn reset_thresholds(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = ctx
        .domain(backend, domain_id, "reset the antispam thresholds", now)
        .await?;
    store::antispam::set_domain(&backend.pool, domain_id, None).await?;
    let detail = format!("{}: the global values", domain.name);
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::ThresholdsChanged,
            &detail,
            now,
        )
        .await
}

pub async fn global_thresholds(backend: &Backend) -> Result<Thresholds, AppError> {
    Ok(store::antispam::global(&backend.pool).await?)
}

/// Sets the global thresholds: every domain without its own takes them from its next
/// message on.
pub async fn save_global_thresholds(
    backend: &Backend,
    master: &MasterAdminCtx,
    (defer, tag, reject): (&str, &str, &str),
    now: UnixTime,
) -> Result<(), AppError> {
    let t = parse(defer, tag, reject)?;
    store::antispam::set_global(&backend.pool, &t).await?;
    let detail = format!("global: {}", t.describe());
    master
        .user
        .audit(backend, AuditAction::ThresholdsChanged, &detail, now)
        .await
}
