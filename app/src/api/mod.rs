//! Server functions, one file per screen group. Each is thin: it reads the caller's
//! context, calls a plain function in `backend`, and sets the HTTP status from the error.
//! Every endpoint is fixed (`/api/<group>/<name>`), so the browser bundle and the server
//! agree whatever directory they were built in.

/// An admin server function: its body runs only for a caller whose rights reach `needs`
/// (the area it belongs to, reading or changing), by session or by API token (see
/// `backend::auth::ctx::authenticate`), and it is described in the OpenAPI document
/// (`openapi`) from its own argument and result types.
///
/// ```ignore
/// admin_fn! {
///     /// What it does (the description's summary).
///     #[needs(Mailboxes, Read)]
///     #[server(endpoint = "aliases/list")]
///     pub async fn list_aliases(domain: i64) -> Result<Aliases, AppError> { … }
/// }
/// ```
macro_rules! admin_fn {
    (
        $(#[doc = $doc:literal])*
        #[needs($area:ident, $access:ident)]
        #[server(endpoint = $endpoint:literal)]
        pub async fn $name:ident(
            $($(#[server($dflt:ident)])? $arg:ident : $ty:ty),* $(,)?
        ) -> Result<$out:ty, AppError> $body:block
    ) => {
        $(#[doc = $doc])*
        #[server(endpoint = $endpoint)]
        pub async fn $name($($(#[server($dflt)])? $arg: $ty),*) -> Result<$out, AppError> {
            let need = $crate::model::grant::Need {
                area: $crate::model::grant::Area::$area,
                access: $crate::model::grant::Access::$access,
            };
            $crate::backend::auth::ctx::needing(need, async move $body).await
        }

        #[cfg(feature = "ssr")]
        const _: () = {
            /// The arguments as the form carries them.
            #[derive(schemars::JsonSchema)]
            #[schemars(inline)]
            #[allow(dead_code)]
            struct Args {
                $($(#[serde($dflt)])? $arg: $ty),*
            }
            fn args(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                generator.subschema_for::<Args>()
            }
            fn output(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                generator.subschema_for::<$out>()
            }
            inventory::submit! {
                $crate::api::openapi::Endpoint {
                    path: $endpoint,
                    name: stringify!($name),
                    doc: &[$($doc),*],
                    need: $crate::model::grant::Need {
                        area: $crate::model::grant::Area::$area,
                        access: $crate::model::grant::Access::$access,
                    },
                    args,
                    output,
                }
            }
        };
    };
}

pub mod account;
pub mod admin;
pub mod admin_ips;
pub mod admins;
pub mod aliases;
pub mod antispam;
pub mod api_tokens;
pub mod auth;
pub mod blocked_senders;
pub mod delivery_queue;
pub mod digests;
pub mod domains;
pub mod filter_settings;
pub mod learning;
pub mod local_recipients;
pub mod mail_access;
pub mod mail_log;
pub mod mailboxes;
pub mod migration;
pub mod passkeys;
pub mod quarantine;
pub mod reset;
pub mod routing;
pub mod security;
pub mod sender_fixes;
pub mod sender_lists;
pub mod senders;
pub mod setup;
pub mod stats;
pub mod transfer;
pub mod two_factor;

#[cfg(feature = "ssr")]
pub mod openapi;
#[cfg(feature = "ssr")]
pub(crate) mod ssr;
