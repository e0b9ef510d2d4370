//! "Mark as safe": the fields every such form has (why the IP is trusted, and how wide a
//! range around it: the one address up to a /22, or a /17; IPv6 likewise), and the list of
//! ranges marked safe, each removable.

use crate::{
    api::security::RemoveTrustedIp,
    components::{
        ask_first::{asking_until, AskFirst},
        form::{field_error, outcome, Field, Outcome},
        table::DataTable,
    },
    model::{
        security::{range_choices, range_label, TrustedIpRow},
        time::format_utc,
    },
};
use leptos::prelude::*;
use std::net::IpAddr;

/// `ip` goes with the form as a hidden field; `done` is the form's outcome, for the errors.
#[component]
pub fn MarkSafeFields<T: Clone + Send + Sync + 'static>(
    ip: String,
    done: Outcome<T>,
) -> impl IntoView {
    let options = ip.parse::<IpAddr>().ok().map(|addr| {
        let addr = addr.to_canonical();
        range_choices(addr)
            .iter()
            .map(|p| view! { <option value=p.to_string()>{range_label(addr, *p)}</option> })
            .collect_view()
    });
    view! {
        <input type="hidden" name="ip" value=ip.clone()/>
        <Field label="Why do you trust this IP?" name="description" id="mark-safe-description"
            hint="For example: the office's fixed line. At least 2 characters."
            error=field_error(done, "description")/>
        <div class="field">
            <label for="mark-safe-prefix">"Range"</label>
            <select id="mark-safe-prefix" name="prefix" aria-describedby="mark-safe-prefix-error">{options}</select>
            <p class="field-error" id="mark-safe-prefix-error">{field_error(done, "prefix")}</p>
        </div>
    }
}

/// Ranges marked safe, each with its removal behind a question.
#[component]
pub fn TrustedList(
    rows: Vec<TrustedIpRow>,
    remove: ServerAction<RemoveTrustedIp>,
    /// A domain's list names the user of each range; a user's own list does not need to.
    show_user: bool,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No IPs are marked safe."</p> }.into_any();
    }
    let removed = outcome(remove);
    let rows = rows
        .into_iter()
        .map(|t| {
            let question = format!(
                "Remove {} from the IPs marked safe for {}? Its logins will count toward incidents again.",
                t.network, t.email
            );
            let context = format!("{} for {}", t.network, t.email);
            // Read by the form each time the question opens (children are built again).
            let (id, network) = (t.id, StoredValue::new(t.network.clone()));
            view! {
                <tr>
                    {show_user.then(|| view! { <td data-label="User">{t.email.clone()}</td> })}
                    <td data-label="IP range">{t.network.clone()}</td>
                    <td data-label="Why">{t.description.clone()}</td>
                    <td data-label="Marked" class="time">{format_utc(t.created_at)} " by " {t.created_by.clone()}</td>
                    <td>
                        <AskFirst asking=asking_until(remove) label="Remove" context question>
                            <ActionForm action=remove attr:class="inline">
                                <input type="hidden" name="id" value=id/>
                                <button type="submit" class="danger">"Remove " {network.get_value()}</button>
                            </ActionForm>
                        </AskFirst>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let columns: &'static [&'static str] = if show_user {
        &["User", "IP range", "Why", "Marked"]
    } else {
        &["IP range", "Why", "Marked"]
    };
    view! {
        <Outcome outcome=removed success="The IP range was removed."/>
        <DataTable label="IPs marked safe" columns actions=true>{rows}</DataTable>
    }
    .into_any()
}
