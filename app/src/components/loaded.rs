//! A server function's answer on a screen: loading, then the value or the error.

use crate::error::AppError;
use leptos::{either::Either, prelude::*};
use serde::{de::DeserializeOwned, Serialize};

/// Shows "Loading…" while `resource` loads, then `ok(value)`, or the error as an alert.
#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, AppError>>, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || answer(resource, ok)}
        </Suspense>
    }
}

/// `Loaded` for a list that reloads by itself (a live view): the rows shown stay until the
/// new ones are in, instead of "Loading…" each time.
#[component]
pub fn Reloaded<T, V, F>(resource: Resource<Result<T, AppError>>, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
{
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || answer(resource, ok)}
        </Transition>
    }
}

fn answer<T, V, F>(resource: Resource<Result<T, AppError>>, ok: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Copy + Send + Sync + 'static,
{
    Suspend::new(async move {
        match resource.await {
            Ok(value) => Either::Left(ok(value)),
            Err(e) => {
                Either::Right(view! { <p class="form-error" role="alert">{e.to_string()}</p> })
            }
        }
    })
}
