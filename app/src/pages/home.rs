//! `/`: the account for the signed-in, sign-in for everyone else.

use crate::api::auth::who_am_i;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn Home() -> impl IntoView {
    let me = Resource::new(|| (), |_| who_am_i());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let to = if matches!(me.await, Ok(Some(_))) { "/account" } else { "/sign-in" };
                view! { <Redirect path=to/> }
            })}
        </Suspense>
    }
}
