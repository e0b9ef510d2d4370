//! A domain's settings: who to contact, what notices are sent from, its time zone, how long
//! its logs are kept and its mail retried, characters refused in its local parts, and how
//! many messages each of its people may send an hour.

use super::{email::ATEXT_SPECIALS, route::DomainKind, submission::MAX_SEND_LIMIT, EmailAddress};
use serde::{Deserialize, Serialize};

/// Days a domain's logs are kept unless set.
pub const DEFAULT_LOG_DAYS: u32 = 28;
/// Days delivery is retried before mail bounces unless set.
pub const DEFAULT_RETRY_DAYS: u32 = 5;
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// The settings as stored and shown: `None` is "the default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainSettings {
    pub contact_email: Option<String>,
    pub notify_from: Option<String>,
    pub timezone: Option<String>,
    pub log_days: Option<u32>,
    pub retry_days: Option<u32>,
    /// Characters a new local part of the domain may not contain, e.g. `+=`.
    pub rejected_local_chars: Option<String>,
    /// Messages a person of the domain may send an hour (`submission`).
    pub send_limit: Option<u32>,
}

/// A domain's settings screen: its name and settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DomainSettingsView {
    pub domain: String,
    /// Hosted or relayed: which tabs its pages have.
    pub kind: DomainKind,
    pub settings: DomainSettings,
}

/// The form's text, field by field (empty: the default).
#[derive(Debug, Clone, Default)]
pub struct SettingsForm<'a> {
    pub contact_email: &'a str,
    pub notify_from: &'a str,
    pub timezone: &'a str,
    pub log_days: &'a str,
    pub retry_days: &'a str,
    pub rejected_local_chars: &'a str,
    pub send_limit: &'a str,
}

/// Why a field's value is refused: (field, reason).
pub type FieldError = (&'static str, String);

impl DomainSettings {
    /// Checks the form; the time zone's name is checked for its shape here and against
    /// the system's zone database on the server.
    pub fn parse(form: &SettingsForm<'_>) -> Result<Self, FieldError> {
        let optional = |v: &str| {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        };
        let address = |field: &'static str, v: &str| -> Result<Option<String>, FieldError> {
            optional(v)
                .map(|a| EmailAddress::parse(&a).map(|a| a.as_str().to_string()))
                .transpose()
                .map_err(|r| (field, r))
        };
        let days = |field: &'static str, v: &str, max: u32| -> Result<Option<u32>, FieldError> {
            let Some(v) = optional(v) else {
                return Ok(None);
            };
            match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err((field, format!("Enter a number of days from 1 to {max}."))),
            }
        };
        let timezone = optional(form.timezone);
        if let Some(tz) = &timezone {
            check_timezone_shape(tz).map_err(|r| ("timezone", r))?;
        }
        let rejected = optional(form.rejected_local_chars)
            .map(|chars| check_rejected_chars(&chars).map(|()| chars))
            .transpose()
            .map_err(|r| ("rejected_local_chars", r))?;
        Ok(DomainSettings {
            contact_email: address("contact_email", form.contact_email)?,
            notify_from: address("notify_from", form.notify_from)?,
            timezone,
            log_days: days("log_days", form.log_days, 3650)?,
            retry_days: days("retry_days", form.retry_days, 30)?,
            rejected_local_chars: rejected,
            send_limit: optional(form.send_limit)
                .map(|v| check_send_limit(&v))
                .transpose()
                .map_err(|r| ("send_limit", r))?,
        })
    }

    /// The local part's first character this domain refuses, if any.
    pub fn refused_char(&self, local_part: &str) -> Option<char> {
        let chars = self.rejected_local_chars.as_deref()?;
        local_part.chars().find(|c| chars.contains(*c))
    }
}

/// `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `UTC`: letters, digits, `_`, `-`,
/// `+` in parts separated by `/`.
pub fn check_timezone_shape(tz: &str) -> Result<(), String> {
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && tz.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "“{tz}” is not a time zone name like Europe/Berlin or UTC."
        ))
    }
}

/// A number of messages an hour, from 1 to `MAX_SEND_LIMIT`.
pub fn check_send_limit(v: &str) -> Result<u32, String> {
    match v.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_SEND_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "Enter a number of messages from 1 to {MAX_SEND_LIMIT}."
        )),
    }
}

/// Only characters that a local part could contain at all, and no repeats.
pub fn check_rejected_chars(chars: &str) -> Result<(), String> {
    for c in chars.chars() {
        if !(ATEXT_SPECIALS.contains(c) || c == '.') {
            return Err(format!(
                "“{c}” never appears in an address here. Choose from . {ATEXT_SPECIALS}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(f: impl FnOnce(&mut SettingsForm<'a>)) -> SettingsForm<'a> {
        let mut form = SettingsForm::default();
        f(&mut form);
        form
    }

    #[test]
    fn an_empty_form_is_all_defaults() {
        assert_eq!(
            DomainSettings::parse(&form(|_| {})).unwrap(),
            DomainSettings::default()
        );
    }

    #[test]
    fn each_field_is_checked() {
        let s = DomainSettings::parse(&form(|f| {
            f.contact_email = " Postmaster@Example.org ";
            f.timezone = "America/Argentina/Buenos_Aires";
            f.log_days = "90";
            f.rejected_local_chars = "+=";
        }))
        .unwrap();
        assert_eq!(s.contact_email.as_deref(), Some("postmaster@example.org"));
        assert_eq!(s.log_days, Some(90));
        assert_eq!(s.refused_char("a+b"), Some('+'));
        assert_eq!(s.refused_char("a.b"), None);
        for (f, field) in [
            (form(|f| f.notify_from = "nobody"), "notify_from"),
            (form(|f| f.timezone = "../../etc/passwd"), "timezone"),
            (form(|f| f.timezone = "Europe Berlin"), "timezone"),
            (form(|f| f.log_days = "0"), "log_days"),
            (form(|f| f.retry_days = "31"), "retry_days"),
            (form(|f| f.retry_days = "two"), "retry_days"),
            (
                form(|f| f.rejected_local_chars = "@"),
                "rejected_local_chars",
            ),
        ] {
            assert_eq!(DomainSettings::parse(&f).unwrap_err().0, field);
        }
    }
}
