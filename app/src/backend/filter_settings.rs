//! The Filter settings and Blocked attachments screens of a domain. A saved change judges
//! the domain's next message (the pipeline reads the settings per message).

use super::{
    antispam::mail_domain,
    auth::ctx::DomainAdminCtx,
    store::{self, audit::AuditAction},
    Backend,
};
use crate::{
    error::AppError,
    model::{
        filter_settings::{
            default_extensions, parse_extension, FilterForm, FilterSettings, FilterSettingsView,
            QuarantineReply, MAX_EXTENSIONS,
        },
        time::UnixTime,
    },
};

pub async fn get(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<FilterSettingsView, AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "see the filter settings", now).await?;
    Ok(FilterSettingsView {
        kind: domain.kind,
        domain: domain.name,
        settings: store::filter_settings::get(&backend.pool, domain_id).await?,
        server_size_limit: backend.settings.max_message_bytes as u64,
    })
}

/// How the audit log tells the settings.
fn describe(s: &FilterSettings) -> String {
    let quarantine = if s.quarantine {
        let reply = match s.quarantine_reply {
            QuarantineReply::Refuse => "5xx",
            QuarantineReply::Accept => "2xx",
        };
        format!(
            "quarantine {} days ({reply}), digest {}",
            s.quarantine_days,
            s.digest.as_str()
        )
    } else {
        "no quarantine".into()
    };
    let spf = if s.skip_spf {
        "SPF skipped".to_string()
    } else {
        format!("SPF checked ({} exempt)", s.spf_exempt.len())
    };
    let lines = if s.skip_line_length {
        "long lines taken"
    } else {
        "long lines refused"
    };
    format!(
        "{quarantine}, {spf}, {lines}, subject tag “{}”, size limit {} ({:?})",
        s.subject_tag, s.size_limit, s.oversize
    )
}

pub async fn save(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    form: &FilterForm<'_>,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "change the filter settings", now).await?;
    let current = store::filter_settings::get(&backend.pool, domain_id).await?;
    let settings = current
        .with_form(form)
        .map_err(|(f, r)| AppError::invalid(f, r))?;
    let max = backend.settings.max_message_bytes as u64;
    if settings.size_limit.bytes() > max {
        return Err(AppError::invalid(
            "size_limit",
            format!(
                "This server takes messages up to {}; a domain's limit can only be lower.",
                crate::model::mailbox::format_size(max)
            ),
        ));
    }
    store::filter_settings::set(&backend.pool, domain_id, Some(&settings)).await?;
    let detail = format!("{}: {}", domain.name, describe(&settings));
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::FilterSettingsChanged,
            &detail,
            now,
        )
        .await
}

/// Returns the filter settings to the defaults; the blocked extensions stay as they are
/// (their screen has its own reset).
pub async fn reset(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(backend, ctx, domain_id, "reset the filter settings", now).await?;
    let current = store::filter_settings::get(&backend.pool, domain_id).await?;
    let settings = FilterSettings {
        blocked_extensions: current.blocked_extensions,
        ..FilterSettings::default()
    };
    store::filter_settings::set(&backend.pool, domain_id, Some(&settings)).await?;
    let detail = format!("{}: the defaults", domain.name);
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::FilterSettingsChanged,
            &detail,
            now,
        )
        .await
}

/// A change to the blocked extensions.
pub enum ExtensionChange<'a> {
    Add(&'a str),
    Remove(&'a str),
    Reset,
}

pub async fn change_extensions(
    backend: &Backend,
    ctx: &DomainAdminCtx,
    domain_id: i64,
    change: ExtensionChange<'_>,
    now: UnixTime,
) -> Result<(), AppError> {
    let domain = mail_domain(
        backend,
        ctx,
        domain_id,
        "change the blocked attachments",
        now,
    )
    .await?;
    let mut settings = store::filter_settings::get(&backend.pool, domain_id).await?;
    let detail = match change {
        ExtensionChange::Add(text) => {
            let ext = parse_extension(text).map_err(|r| AppError::invalid("extension", r))?;
            if settings.blocks(&ext) {
                return Err(AppError::invalid(
                    "extension",
                    format!(".{ext} is blocked already."),
                ));
            }
            if settings.blocked_extensions.len() >= MAX_EXTENSIONS {
                return Err(AppError::invalid(
                    "extension",
                    format!("At most {MAX_EXTENSIONS} extensions can be blocked."),
                ));
            }
            settings.blocked_extensions.push(ext.clone());
            format!("added .{ext}")
        }
        ExtensionChange::Remove(text) => {
            let ext = parse_extension(text).map_err(|r| AppError::invalid("extension", r))?;
            if !settings.blocks(&ext) {
                return Err(AppError::NotFound);
            }
            settings.blocked_extensions.retain(|e| *e != ext);
            format!("removed .{ext}")
        }
        ExtensionChange::Reset => {
            settings.blocked_extensions = default_extensions();
            "the default list".into()
        }
    };
    settings.blocked_extensions.sort();
    store::filter_settings::set(&backend.pool, domain_id, Some(&settings)).await?;
    let detail = format!("{}: {detail}", domain.name);
    ctx.user
        .audit_in(
            backend,
            domain_id,
            AuditAction::BlockedExtensionsChanged,
            &detail,
            now,
        )
        .await
}
