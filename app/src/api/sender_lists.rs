//! The Sender lists screens: a domain's whitelist and blacklist (`domain` set), and the
//! global ones (`domain` empty, master admins only).

use crate::{error::AppError, model::sender_list::SenderLists};
use leptos::prelude::*;

admin_fn! {
    #[needs(Antispam, Read)]
    #[server(endpoint = "sender-lists/list")]
    pub async fn list_sender_lists(
        domain: Option<i64>,
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<SenderLists, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::sender_lists};
        as_domain_admin("see sender lists", |call, admin| async move {
            let search = search.unwrap_or_default();
            sender_lists::list(&call.backend, &admin, domain, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Adds an entry; answers what was saved in another spelling (a range's first address),
    /// when it was.
    #[needs(Antispam, Write)]
    #[server(endpoint = "sender-lists/add")]
    pub async fn add_sender_list_entry(
        domain: Option<i64>,
        list: String,
        sender: String,
        description: String,
        expires: String,
        everything: Option<String>,
    ) -> Result<Option<String>, AppError> {
        use crate::{
            api::ssr::as_domain_admin,
            backend::sender_lists::{self, EntryForm},
        };
        as_domain_admin("add a sender list entry", |call, admin| async move {
            let form = EntryForm {
                list: &list,
                sender: &sender,
                description: &description,
                expires: &expires,
                everything: everything.is_some(),
            };
            sender_lists::add(&call.backend, &admin, domain, &form, call.now).await
        })
        .await
    }
}

admin_fn! {
    #[needs(Antispam, Write)]
    #[server(endpoint = "sender-lists/delete")]
    pub async fn delete_sender_list_entry(id: i64) -> Result<(), AppError> {
        use crate::{api::ssr::as_domain_admin, backend::sender_lists};
        as_domain_admin("delete a sender list entry", |call, admin| async move {
            sender_lists::delete(&call.backend, &admin, id, call.now).await
        })
        .await
    }
}
