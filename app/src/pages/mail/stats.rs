//! `/stats`: how much mail a domain got and what became of it — clean, tagged, spam
//! blocked, whitelisted, blacklisted, greylisted — by hour, day, week or month, as counts,
//! sizes and the share of spam. A domain admin reads their domains' (one, or all of them
//! together), a master admin every domain's. The choice lives in the address.

use super::blocked_senders::StatsTabs;
use crate::{
    api::stats::read_stats,
    components::{
        chart::{PercentLine, Series, StackedBars},
        loaded::Loaded,
        table::DataTable,
    },
    model::{
        mailbox::format_size,
        stats::{format_ratio, Bucket, Class, Period, Stats},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn StatsPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            let domain = q.get("domain").and_then(|d| d.parse::<i64>().ok());
            let period = Period::parse(&q.get("period").unwrap_or_default());
            (domain, period)
        })
    });
    let stats = Resource::new(
        move || asked.get(),
        |(domain, period)| read_stats(domain, Some(period.as_str().to_string())),
    );
    view! {
        <Title text="Statistics"/>
        <StatsTabs current="Statistics"/>
        <h1>"Statistics"</h1>
        <p class="hint">
            "What became of the mail your domains received. Spam blocked counts mail kept in \
             quarantine or refused; the spam share is spam against all mail judged (greylisted \
             and deferred mail is judged when it comes back). Times are UTC; counts are kept \
             for 13 months."
        </p>
        <Loaded resource=stats ok=move |stats| view! { <Screen stats/> }/>
    }
}

#[component]
fn Screen(stats: Stats) -> impl IntoView {
    let Stats {
        period,
        domain,
        domains,
        buckets,
    } = stats;
    let domain_options = domains
        .iter()
        .map(|(id, name)| {
            view! { <option value=*id selected=domain == Some(*id)>{name.clone()}</option> }
        })
        .collect_view();
    let period_options = Period::ALL
        .into_iter()
        .map(|p| view! { <option value=p.as_str() selected=p == period>{p.label()}</option> })
        .collect_view();
    let chosen = domain
        .and_then(|id| domains.iter().find(|(d, _)| *d == id))
        .map_or("all your domains".to_string(), |(_, name)| name.clone());
    let total = Bucket::sum(&buckets);
    view! {
        <Form method="GET" action="/stats" attr:class="filters" attr:role="search" attr:aria-label="Choose the statistics">
            <div class="field">
                <label for="domain">"Domain"</label>
                <select id="domain" name="domain">
                    <option value="" selected=domain.is_none()>"All your domains"</option>
                    {domain_options}
                </select>
            </div>
            <div class="field">
                <label for="period">"Period"</label>
                <select id="period" name="period">{period_options}</select>
            </div>
            <div class="filter-actions"><button type="submit">"Show"</button></div>
        </Form>
        <h2>{format!("{} for {chosen}", period.label())}</h2>
        <p class="summary" role="status">
            {format!(
                "{} messages, {}; spam share {}.",
                total.total(),
                format_size(total.bytes.iter().sum::<i64>().max(0) as u64),
                format_ratio(total.spam_ratio())
            )}
        </p>
        {if total.total() == 0 {
            view! { <p class="empty">"No mail in this period."</p> }.into_any()
        } else {
            view! { <Charts period buckets total/> }.into_any()
        }}
    }
}

#[component]
fn Charts(period: Period, buckets: Vec<Bucket>, total: Bucket) -> impl IntoView {
    let labels: Vec<String> = buckets
        .iter()
        .map(|b| period.bucket_label(b.start))
        .collect();
    let series = |value: fn(&Bucket, Class) -> i64| -> Vec<Series> {
        Class::ALL
            .into_iter()
            .map(|c| Series {
                name: c.label(),
                css: c.css(),
                values: buckets.iter().map(|b| value(b, c)).collect(),
            })
            .collect()
    };
    let in_words = |figure: fn(&Bucket, Class) -> i64, format: fn(i64) -> String| {
        Class::ALL
            .into_iter()
            .filter(|c| figure(&total, *c) > 0)
            .map(|c| format!("{} {}", c.label(), format(figure(&total, c))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let legend = Class::ALL
        .into_iter()
        .map(|c| view! { <li><span class=format!("swatch {}", c.css()) aria-hidden="true"></span>{c.label()}</li> })
        .collect_view();
    let ratios: Vec<Option<f64>> = buckets.iter().map(Bucket::spam_ratio).collect();
    let rows = buckets
        .iter()
        .zip(&labels)
        .rev()
        .map(|(b, label)| {
            let cells = Class::ALL
                .into_iter()
                .map(|c| view! { <td data-label=c.label()>{b.count(c)}</td> })
                .collect_view();
            view! {
                <tr>
                    <td data-label="Period">{label.clone()}</td>
                    <td data-label="Messages">{b.total()}</td>
                    {cells}
                    <td data-label="Size">{format_size(b.bytes.iter().sum::<i64>().max(0) as u64)}</td>
                    <td data-label="Spam share">{format_ratio(b.spam_ratio())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ul class="legend" aria-label="Colours of the charts">{legend}</ul>
        <StackedBars title="Messages" labels=labels.clone()
            summary=format!("Messages per {}: {}.", unit(period), in_words(Bucket::count, |n| n.to_string()))
            series=series(Bucket::count) format=|v| format!("{v:.0}")/>
        <StackedBars title="Size" labels=labels.clone()
            summary=format!("Size per {}: {}.", unit(period), in_words(Bucket::size, |n| format_size(n.max(0) as u64)))
            series=series(Bucket::size) format=|v| format_size(v.max(0.0) as u64)/>
        <PercentLine title="Spam share" labels
            summary=format!("The share of spam per {}; {} over the period.", unit(period), format_ratio(total.spam_ratio()))
            values=ratios/>
        <DataTable label="Figures per period, newest first" columns=&COLUMNS>
            {rows}
        </DataTable>
    }
}

/// The table's columns: a class's column is named as the class is (see the test).
const COLUMNS: [&str; 11] = [
    "Period",
    "Messages",
    "Clean",
    "Tagged as spam",
    "Spam blocked",
    "Whitelisted",
    "Blacklisted",
    "Greylisted",
    "Deferred",
    "Size",
    "Spam share",
];

fn unit(period: Period) -> &'static str {
    match period {
        Period::Hours => "hour",
        Period::Days => "day",
        Period::Weeks => "week",
        Period::Months => "month",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_columns_are_named_as_the_classes() {
        let named: Vec<&str> = Class::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(COLUMNS[2..9], named[..]);
    }
}
