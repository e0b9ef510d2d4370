//! CSV import (a server function) and export (a download: a plain GET link, so that the
//! browser saves the file itself).

use crate::{error::AppError, model::transfer::ImportReport};
use leptos::prelude::*;

admin_fn! {
    /// Imports `csv` into the list `dataset` (a `Dataset` slug) of `domain`, or of the host
    /// for the domain lists. The report lists every refused row; then nothing was applied.
    #[needs(Mailboxes, Write)]
    #[server(endpoint = "transfer/import")]
    pub async fn import_csv(
        dataset: String,
        #[server(default)] domain: Option<i64>,
        csv: String,
    ) -> Result<ImportReport, AppError> {
        use crate::{api::ssr::as_domain_admin, backend::transfer::import, model::transfer::Dataset};
        as_domain_admin("import a list", |call, admin| async move {
            let dataset = Dataset::from_slug(&dataset)
                .ok_or_else(|| AppError::invalid("dataset", "There is no such list."))?;
            import::import(&call.backend, &admin, dataset, domain, &csv, call.now).await
        })
        .await
    }
}

/// Where the export of a list downloads from.
pub fn export_href(dataset: crate::model::transfer::Dataset, domain: Option<i64>) -> String {
    match domain {
        Some(id) => format!("/export/{}?domain={id}", dataset.slug()),
        None => format!("/export/{}", dataset.slug()),
    }
}

#[cfg(feature = "ssr")]
pub use download::export_csv;

#[cfg(feature = "ssr")]
mod download {
    use crate::{
        backend::{
            auth::ctx::{authenticate, needing},
            request::RequestMeta,
            transfer::export,
            Backend,
        },
        error::AppError,
        model::{
            grant::{Access, Area, Need},
            transfer::Dataset,
        },
    };
    use axum::{
        extract::{ConnectInfo, Path, Query, Request, State},
        http::{header, HeaderValue, StatusCode},
        response::{IntoResponse, Response},
    };
    use serde::Deserialize;
    use std::net::SocketAddr;

    #[derive(Deserialize)]
    pub struct ExportQuery {
        domain: Option<i64>,
    }

    /// `GET /export/{dataset}?domain=ID`: the list as a CSV file, for an admin of it.
    pub async fn export_csv(
        State(backend): State<Backend>,
        Path(slug): Path<String>,
        Query(query): Query<ExportQuery>,
        request: Request,
    ) -> Response {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let meta = RequestMeta::from_parts(&backend.settings, request.headers(), peer);
        let now = backend.clock.now();
        let file = async {
            let dataset = Dataset::from_slug(&slug).ok_or(AppError::NotFound)?;
            let user = authenticate(&backend, &meta, now).await?;
            let admin = user.domain_admin(&backend, "export a list", now).await?;
            export::export(&backend, &admin, dataset, query.domain, now).await
        };
        let need = Need {
            area: Area::Mailboxes,
            access: Access::Read,
        };
        match needing(need, file).await {
            Ok(file) => {
                let disposition = format!("attachment; filename=\"{}\"", file.name);
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/csv; charset=utf-8"),
                        ),
                        (
                            header::CONTENT_DISPOSITION,
                            HeaderValue::from_str(&disposition)
                                .unwrap_or(HeaderValue::from_static("attachment")),
                        ),
                        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    ],
                    file.text,
                )
                    .into_response()
            }
            Err(e) => {
                let status =
                    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, [(header::CACHE_CONTROL, "no-store")], e.to_string()).into_response()
            }
        }
    }
}
