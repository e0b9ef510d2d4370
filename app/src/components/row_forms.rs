//! A list screen's per-row forms (edit, confirm a delete, …): one open at a time, the
//! answer to the last change above the list, and the list reloaded when a change took.

use crate::{
    components::{
        domain_tabs::use_domain_id,
        paging::{use_list_query, ListQuery},
    },
    error::AppError,
};
use leptos::{prelude::*, server_fn::ServerFn};
use serde::{de::DeserializeOwned, Serialize};
use std::{future::Future, sync::Arc};

type Clear = Arc<dyn Fn() + Send + Sync>;

/// `K` says which row's form is open (for example `Open::Edit(id)`).
pub struct RowForms<K: Send + Sync + 'static> {
    pub open: RwSignal<Option<K>>,
    /// What the last change did, announced above the list.
    pub notice: RwSignal<Option<&'static str>>,
    /// Moves each time a change took: the screen's list reloads on it.
    pub changed: RwSignal<u32>,
    /// Forgets the actions' last answers, so a reopened form starts clean.
    clears: StoredValue<Vec<Clear>>,
}

impl<K: Send + Sync + 'static> Clone for RowForms<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Send + Sync + 'static> Copy for RowForms<K> {}

impl<K: Copy + PartialEq + Send + Sync + 'static> Default for RowForms<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Copy + PartialEq + Send + Sync + 'static> RowForms<K> {
    pub fn new() -> Self {
        RowForms {
            open: RwSignal::new(None),
            notice: RwSignal::new(None),
            changed: RwSignal::new(0),
            clears: StoredValue::new(Vec::new()),
        }
    }

    /// A row action: when it succeeds its form closes, `said` is announced and the list
    /// reloads.
    pub fn action<S>(&self, said: &'static str) -> ServerAction<S>
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        let action = ServerAction::<S>::new();
        let (open, notice, changed) = (self.open, self.notice, self.changed);
        Effect::new(move |_| {
            if matches!(action.value().get(), Some(Ok(_))) {
                open.set(None);
                notice.set(Some(said));
                changed.update(|n| *n += 1);
            }
        });
        self.clears
            .update_value(|c| c.push(Arc::new(move || action.value().set(None))));
        action
    }

    /// A form of its own (the screen's "Add" form): the list reloads when it succeeds.
    pub fn reloads_on<S>(&self, action: ServerAction<S>)
    where
        S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        S::Output: Clone + Send + Sync + 'static,
    {
        super::form::bump_on_success(action, self.changed);
    }

    /// Opens one row's form, clearing the answers to earlier ones.
    pub fn open(&self, which: K) {
        self.clears
            .with_value(|c| c.iter().for_each(|clear| clear()));
        self.notice.set(None);
        self.open.set(Some(which));
    }

    pub fn close(&self) {
        self.open.set(None);
    }
}

/// The list of a domain's page (`/admin/domains/:id/…`): `fetch(domain, search, page)`
/// as the address asks, again whenever `forms` saw a change take. Returns the domain id,
/// the search and the list.
pub fn domain_list<K, T, F, Fut>(
    forms: RowForms<K>,
    fetch: F,
) -> (Memo<i64>, Memo<ListQuery>, Resource<Result<T, AppError>>)
where
    K: Copy + PartialEq + Send + Sync + 'static,
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    F: Fn(i64, Option<String>, Option<i64>) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let id = use_domain_id();
    let query = use_list_query();
    let list = Resource::new(
        move || (id.get(), query.get(), forms.changed.get()),
        move |(id, q, _)| fetch(id, Some(q.search), Some(q.page)),
    );
    (id, query, list)
}

/// A Cancel button that closes the open row form.
#[component]
pub fn CancelButton<K: Copy + PartialEq + Send + Sync + 'static>(
    forms: RowForms<K>,
) -> impl IntoView {
    view! { <button type="button" class="secondary" on:click=move |_| forms.close()>"Cancel"</button> }
}
