//! Quarantine digests: the page a digest's link opens (no sign-in: the signed link is the
//! proof), and each person's choice to get digests or not (My account).

use crate::{
    error::AppError,
    model::digest::{DigestChoice, DigestLinkView},
};
use leptos::prelude::*;

/// What the link releases or deletes; changes nothing.
#[server(endpoint = "digest-link")]
pub async fn digest_link(token: String) -> Result<DigestLinkView, AppError> {
    use crate::api::ssr::{reply, Call};
    let call = Call::new()?;
    reply(crate::backend::digests::open_link(&call.backend, &token, call.now).await)
}

/// Does what the link says, once; what happened.
#[server(endpoint = "digest-link/use")]
pub async fn use_digest_link(token: String) -> Result<String, AppError> {
    use crate::api::ssr::{mail_plane, reply, Call};
    let call = Call::new()?;
    let mail = mail_plane()?;
    let ip = call.meta.ip.clone();
    reply(crate::backend::digests::use_link(&call.backend, &mail, &token, &ip, call.now).await)
}

#[server(endpoint = "account/digest")]
pub async fn my_digest_choice() -> Result<DigestChoice, AppError> {
    use crate::{api::ssr::as_user, backend::digests};
    as_user(|call, user| async move { digests::choice(&call.backend, &user).await }).await
}

/// `wanted` arrives only when ticked.
#[server(endpoint = "account/digest/save")]
pub async fn save_digest_choice(#[server(default)] wanted: bool) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::digests};
    as_user(|call, user| async move {
        digests::set_choice(&call.backend, &user, wanted, call.now).await
    })
    .await
}
