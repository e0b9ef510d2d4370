//! `/admin/security/incidents`: users whose logins in the last 24 hours came from more
//! than one country (IPs marked safe left out), with what they sent meanwhile. Each links
//! to the user's last logins, where an IP can be marked safe.

use crate::{
    api::security::security_incidents,
    components::{loaded::Loaded, table::DataTable},
    model::{security::Incident, time::format_utc},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecurityIncidentsPage() -> impl IntoView {
    let incidents = Resource::new(|| (), |_| security_incidents());
    view! {
        <Title text="Security incidents"/>
        <h1>"Security incidents"</h1>
        <p class="hint">"A user is listed when their successful logins of the last 24 hours came from more than one country, not counting IPs marked safe for them. A stolen password is often used from another country; a traveller's is too, so look at the logins before you act. Times are UTC."</p>
        <Loaded resource=incidents ok=list/>
    }
}

fn list(incidents: Vec<Incident>) -> impl IntoView {
    if incidents.is_empty() {
        return view! { <p class="empty">"No security incidents: every user signed in from one country in the last 24 hours."</p> }
            .into_any();
    }
    let rows = incidents
        .into_iter()
        .map(|i| {
            let href = format!("/admin/security/logins?user={}", i.email);
            let context = format!(" of {}", i.email);
            let countries = format!("{}: {}", i.countries.len(), i.countries.join(", "));
            view! {
                <tr>
                    <td data-label="User">
                        {i.email.clone()}
                        {i.new.then(|| view! { <span class="badge">"New"</span> })}
                    </td>
                    <td data-label="Domain">{i.domain.unwrap_or_default()}</td>
                    <td data-label="Login countries">{countries}</td>
                    <td data-label="Messages sent in 24 hours">{i.sent_24h}</td>
                    <td data-label="Last login" class="time">{format_utc(i.last_login_at)}</td>
                    <td><a href=href>"Last logins"<span class="visually-hidden">{context}</span></a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Security incidents, newest login first"
            columns=&["User", "Domain", "Login countries", "Messages sent in 24 hours", "Last login"]
            actions=true>
            {rows}
        </DataTable>
    }
    .into_any()
}
