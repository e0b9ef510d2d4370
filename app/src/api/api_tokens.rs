//! My account → API tokens, and the API's description for its page. Tokens are made and
//! revoked in a session: a token cannot make another.

use crate::{
    error::AppError,
    model::api_token::{ApiTokens, CreatedApiToken},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[server(endpoint = "api-tokens/list")]
pub async fn list_api_tokens() -> Result<ApiTokens, AppError> {
    use crate::{api::ssr::as_user, backend::api_tokens};
    as_user(|call, user| async move { api_tokens::list(&call.backend, user, call.now).await }).await
}

/// `areas`, `domains` and `allowed_ips`: comma- or line-separated (empty: all of one's
/// own areas and domains, any address); `expires`: the last day (`2027-01-31`) or empty.
#[server(endpoint = "api-tokens/create")]
pub async fn create_api_token(
    name: String,
    #[server(default)] areas: String,
    #[server(default)] write: bool,
    #[server(default)] domains: String,
    #[server(default)] allowed_ips: String,
    #[server(default)] expires: String,
) -> Result<CreatedApiToken, AppError> {
    use crate::{api::ssr::as_user, backend::api_tokens, model::api_token::NewApiToken};
    as_user(|call, user| async move {
        let form = NewApiToken {
            name,
            areas,
            write,
            domains,
            allowed_ips,
            expires,
        };
        api_tokens::create(&call.backend, user, form, call.now).await
    })
    .await
}

#[server(endpoint = "api-tokens/revoke")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use crate::{api::ssr::as_user, backend::api_tokens};
    as_user(|call, user| async move { api_tokens::revoke(&call.backend, user, id, call.now).await })
        .await
}

/// One operation of the API, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub path: String,
    pub summary: String,
    pub description: String,
    pub area: crate::model::grant::Area,
    pub write: bool,
    /// The form fields: (name, type, required).
    pub fields: Vec<(String, String, bool)>,
}

/// The API's operations, from the same registry that writes `/api/openapi.json`.
#[server(endpoint = "api-tokens/operations")]
pub async fn api_operations() -> Result<Vec<Operation>, AppError> {
    use crate::{
        api::{openapi, ssr::as_user},
        model::grant::Access,
    };
    as_user(|call, user| async move {
        if user.role == crate::model::Role::MailUser {
            return Err(user
                .deny(&call.backend, "read the API description", call.now)
                .await);
        }
        Ok(openapi::endpoints()
            .into_iter()
            .map(|e| Operation {
                path: format!("/api/{}", e.path),
                summary: e.summary(),
                description: e.description(),
                area: e.need.area,
                write: e.need.access == Access::Write,
                fields: openapi::fields(e),
            })
            .collect())
    })
    .await
}
