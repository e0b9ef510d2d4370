//! The Statistics screen: domain admins read their domains' counts, master admins all.

use crate::{error::AppError, model::stats::Stats};
use leptos::prelude::*;

admin_fn! {
    /// The counts for `period` (`hours`, `days`, `weeks`, `months`), of one domain or (none)
    /// all the reader's.
    #[needs(Logs, Read)]
    #[server(endpoint = "stats/read")]
    pub async fn read_stats(domain: Option<i64>, period: Option<String>) -> Result<Stats, AppError> {
        use crate::{api::ssr::as_user, backend::stats, model::stats::Period};
        as_user(|call, user| async move {
            let period = Period::parse(&period.unwrap_or_default());
            stats::read(&call.backend, user, domain, period, call.now).await
        })
        .await
    }
}
