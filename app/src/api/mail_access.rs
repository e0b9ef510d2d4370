//! Mail apps' access: device passwords and the switch for IMAP/POP3/SMTP outside webmail.
//! Without `mailbox` a call manages the caller's own mailbox (My account → Mail apps); with
//! it, a mailbox in a domain the caller administers (Mailbox access).

use crate::{
    error::AppError,
    model::mail_access::{MailAccess, NewDevicePassword},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Mailboxes, Read)]
    #[server(endpoint = "mail_access/overview")]
    pub async fn get_mail_access(mailbox: Option<String>) -> Result<MailAccess, AppError> {
        use crate::{api::ssr::as_user, backend::mail_access};
        as_user(|call, user| async move {
            let (user, mailbox) =
                mail_access::mailbox(&call.backend, user, mailbox.as_deref(), call.now).await?;
            mail_access::overview(&call.backend, &user, &mailbox, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// `imap`, `pop3`, `smtp` are checkboxes (present when ticked); `expires` is a date
    /// (`YYYY-MM-DD`, the end of that day UTC) or empty for none. Only for oneself: a device
    /// password is a secret its owner alone should see.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mail_access/create")]
    pub async fn create_device_password(
        name: String,
        imap: Option<String>,
        pop3: Option<String>,
        smtp: Option<String>,
        expires: String,
    ) -> Result<NewDevicePassword, AppError> {
        use crate::{
            api::ssr::as_user,
            backend::mail_access,
            model::{mail_access::Protocol, time::parse_date},
        };
        as_user(|call, user| async move {
            let protocols: Vec<Protocol> = [
                (imap, Protocol::Imap),
                (pop3, Protocol::Pop3),
                (smtp, Protocol::Smtp),
            ]
            .into_iter()
            .filter_map(|(ticked, p)| ticked.map(|_| p))
            .collect();
            let expires_at = match expires.trim() {
                "" => None,
                date => {
                    Some(parse_date(date).map_err(|r| AppError::invalid("expires", r))? + 86_400 - 1)
                }
            };
            mail_access::create(
                &call.backend,
                &user,
                &name,
                &protocols,
                expires_at,
                call.now,
            )
            .await
        })
        .await
    }
}

admin_fn! {
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mail_access/revoke")]
    pub async fn revoke_device_password(id: i64, mailbox: Option<String>) -> Result<(), AppError> {
        use crate::{api::ssr::as_user, backend::mail_access};
        as_user(|call, user| async move {
            let (user, mailbox) =
                mail_access::mailbox(&call.backend, user, mailbox.as_deref(), call.now).await?;
            mail_access::revoke(&call.backend, &user, &mailbox, id, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// `open`: "true" opens IMAP/POP3/SMTP, "false" closes them (webmail keeps working).
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "mail_access/set_switch")]
    pub async fn set_mail_access(open: bool, mailbox: Option<String>) -> Result<(), AppError> {
        use crate::{api::ssr::as_user, backend::mail_access};
        as_user(|call, user| async move {
            let (user, mailbox) =
                mail_access::mailbox(&call.backend, user, mailbox.as_deref(), call.now).await?;
            mail_access::set_mail_access(&call.backend, &user, &mailbox, open, call.now).await
        })
        .await
    }
}
