//! The Mail log screen: every signed-in person reads the log of mail addressed to them;
//! domain admins their domains', master admins all of it.

// One argument per filter, so that the filters are plain form fields and the address's
// query keys; the server macro repeats them in code it generates, where an item's allow is
// lost.
#![allow(clippy::too_many_arguments)]

use crate::{
    error::AppError,
    model::mail_log::{LogFilter, MailLog},
};
use leptos::prelude::*;

/// One page of the log; every filter may be left out (empty means any).
#[server(endpoint = "mail-log/page")]
pub async fn list_mail_log(
    #[server(default)] since: String,
    #[server(default)] until: String,
    #[server(default)] sender: String,
    #[server(default)] recipient: String,
    #[server(default)] client_ip: String,
    #[server(default)] subject: String,
    #[server(default)] verdict: String,
    #[server(default)] page: Option<i64>,
) -> Result<MailLog, AppError> {
    use crate::{api::ssr::as_user, backend::mail_log};
    let filter = LogFilter {
        since,
        until,
        sender,
        recipient,
        client_ip,
        subject,
        verdict,
    };
    as_user(|call, user| async move {
        mail_log::list(&call.backend, user, &filter, page, call.now).await
    })
    .await
}

/// The log for a filter as the Mail log screen holds it.
pub async fn mail_log_page(filter: LogFilter, page: i64) -> Result<MailLog, AppError> {
    let LogFilter {
        since,
        until,
        sender,
        recipient,
        client_ip,
        subject,
        verdict,
    } = filter;
    list_mail_log(
        since,
        until,
        sender,
        recipient,
        client_ip,
        subject,
        verdict,
        Some(page),
    )
    .await
}
