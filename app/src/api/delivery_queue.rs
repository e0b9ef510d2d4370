//! The Delivery queue screen: domain admins see their domains' waiting copies, master
//! admins all of them.

use crate::{
    error::AppError,
    model::{list::Done, queue::DeliveryQueue},
};
use leptos::prelude::*;

admin_fn! {
    #[needs(Queue, Read)]
    #[server(endpoint = "queue/list")]
    pub async fn list_queue(
        search: Option<String>,
        page: Option<i64>,
    ) -> Result<DeliveryQueue, AppError> {
        use crate::{api::ssr::as_user, backend::delivery_queue};
        as_user(|call, user| async move {
            let search = search.unwrap_or_default();
            delivery_queue::list(&call.backend, user, &search, page, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Makes the ticked copies (`ids[n]`) due now; how many.
    #[needs(Queue, Write)]
    #[server(endpoint = "queue/retry")]
    pub async fn retry_queued(ids: Option<Vec<i64>>) -> Result<usize, AppError> {
        use crate::{
            api::ssr::{as_user, mail_plane},
            backend::delivery_queue,
        };
        as_user(|call, user| async move {
            let mail = mail_plane()?;
            delivery_queue::retry(&call.backend, &mail, user, ids, call.now).await
        })
        .await
    }
}

admin_fn! {
    /// Deletes the ticked copies (`ids[n]`), with `spam` reporting their messages as spam
    /// first; how many.
    #[needs(Queue, Write)]
    #[server(endpoint = "queue/delete")]
    pub async fn delete_queued(
        ids: Option<Vec<i64>>,
        #[server(default)] spam: bool,
    ) -> Result<Done, AppError> {
        use crate::{api::ssr::as_user, backend::delivery_queue};
        as_user(|call, user| async move {
            delivery_queue::delete(&call.backend, user, ids, spam, call.now).await
        })
        .await
    }
}
