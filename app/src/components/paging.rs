//! Search and paging for long lists. Both live in the address (`?search=…&page=…`), so a
//! list can be bookmarked, reloaded and shared, and works before the page is hydrated.

use crate::{
    components::table::DataTable,
    model::list::{page_number, Page},
};
use leptos::prelude::*;
use leptos_router::{
    components::{Form, A},
    hooks::{use_location, use_query_map},
};

/// The search and page the address asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub search: String,
    pub page: i64,
}

/// The list query as a signal of the address.
pub fn use_list_query() -> Memo<ListQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| ListQuery {
            search: q.get("search").unwrap_or_default(),
            page: page_number(q.get("page").and_then(|p| p.parse().ok())),
        })
    })
}

/// A search box for the list below it; `what` names the things searched ("mailboxes").
#[component]
pub fn SearchForm(what: &'static str, search: String) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let label = format!("Search {what}");
    view! {
        <Form method="GET" action=path attr:class="search" attr:role="search">
            <div class="field">
                <label for="search">{label}</label>
                <input id="search" name="search" type="search" value=search/>
            </div>
            <button type="submit" class="secondary">"Search"</button>
        </Form>
    }
}

/// "32 found · page 1 of 2" with links to the pages around it; the links keep the
/// address's search and filters.
#[component]
pub fn Pager<T: 'static>(page: Page<T>, what: &'static str) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    let query = use_query_map().get_untracked();
    let pages = page.pages();
    let link = move |n: i64| {
        let mut q = query.clone();
        q.replace("page", n.to_string());
        format!("{path}{}", q.to_query_string())
    };
    let previous = (page.page > 1).then(|| {
        let href = link(page.page - 1);
        view! { <A href=href>"Previous page"</A> }
    });
    let next = (page.page < pages).then(|| {
        let href = link(page.page + 1);
        view! { <A href=href>"Next page"</A> }
    });
    view! {
        <nav class="pager" aria-label=format!("Pages of {what}")>
            <span>{format!("{} found · page {} of {pages}", page.total, page.page.min(pages))}</span>
            {previous}
            {next}
        </nav>
    }
}

/// The list part of a list screen: the search box, what the last change did, the table of
/// `rows` (or why there is none) and the pager. `what` names the things ("aliases").
#[component]
pub fn PagedList<T: 'static>(
    page: Page<T>,
    search: String,
    what: &'static str,
    /// The table's name for screen readers ("Aliases").
    label: &'static str,
    columns: &'static [&'static str],
    /// Shown when the list is empty, and when the search found nothing.
    empty: &'static str,
    unmatched: &'static str,
    notice: RwSignal<Option<&'static str>>,
    children: Children,
) -> impl IntoView {
    let list = if page.total == 0 {
        let none = if search.is_empty() { empty } else { unmatched };
        view! { <p class="empty">{none}</p> }.into_any()
    } else {
        view! { <DataTable label columns actions=true>{children()}</DataTable> }.into_any()
    };
    view! {
        <SearchForm what search/>
        <p class="form-success" role="status">{move || notice.get()}</p>
        {list}
        <Pager page what/>
    }
}
