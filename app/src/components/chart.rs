//! Charts drawn as SVG in the page: stacked bars (a value per series and bucket) and a line
//! of percentages. Each is an image with a title and a summary for screen readers, and
//! each bar segment and point names its figure on hover; the screen's table holds the same
//! figures for reading.

use leptos::prelude::*;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
/// Room for the value axis on the left and the bucket names below.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 8.0;

/// One stacked series: its name, its style class (colour) and a value per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub css: &'static str,
    pub values: Vec<i64>,
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max`: the axis's top.
fn axis_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * magnitude)
}

/// Every nth bucket is named under the axis, so that about eight names fit.
fn label_every(buckets: usize) -> usize {
    buckets.div_ceil(8).max(1)
}

/// The bucket names along the bottom.
fn bucket_axis(labels: &[String], slot: f64) -> impl IntoView {
    let every = label_every(labels.len());
    labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, label)| {
            let x = LEFT + slot * (i as f64 + 0.5);
            view! { <text x=x y=HEIGHT - 8.0 class="axis" text-anchor="middle">{label.clone()}</text> }
        })
        .collect_view()
}

/// Grid lines at 0, half and the top, with their values.
fn value_axis(top: f64, format: fn(f64) -> String) -> impl IntoView {
    let plot = HEIGHT - BOTTOM - TOP;
    [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = TOP + plot * (1.0 - f);
            view! {
                <line x1=LEFT x2=WIDTH y1=y y2=y class="grid"/>
                <text x=LEFT - 6.0 y=y + 4.0 class="axis" text-anchor="end">{format(top * f)}</text>
            }
        })
        .collect_view()
}

#[component]
pub fn StackedBars(
    /// The chart's title, shown above it and read as the image's name.
    title: &'static str,
    /// What the chart shows, in a sentence (read by screen readers).
    summary: String,
    labels: Vec<String>,
    series: Vec<Series>,
    /// How a value is written (on the axis and in the hover text).
    format: fn(f64) -> String,
) -> impl IntoView {
    let n = labels.len().max(1);
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let top = axis_top(totals.iter().copied().max().unwrap_or(0) as f64);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / n as f64;
    let bar = (slot * 0.7).max(1.0);
    let mut segments = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let mut base = 0.0;
        for s in &series {
            let value = s.values.get(i).copied().unwrap_or(0);
            if value <= 0 {
                continue;
            }
            let h = plot * value as f64 / top;
            let y = TOP + plot - base - h;
            base += h;
            let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
            let hover = format!("{label}: {} {}", s.name, format(value as f64));
            segments.push(view! {
                <rect x=x y=y width=bar height=h class=s.css><title>{hover}</title></rect>
            });
        }
    }
    let id = title.to_lowercase().replace(' ', "-");
    view! {
        <figure class="chart">
            <figcaption id=format!("{id}-title")>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-labelledby=format!("{id}-title {id}-desc")>
                <desc id=format!("{id}-desc")>{summary}</desc>
                {value_axis(top, format)}
                {segments}
                {bucket_axis(&labels, slot)}
            </svg>
        </figure>
    }
}

/// Percentages per bucket as a line; a bucket with no value breaks it.
#[component]
pub fn PercentLine(
    title: &'static str,
    summary: String,
    labels: Vec<String>,
    /// 0.0–1.0 per bucket.
    values: Vec<Option<f64>>,
) -> impl IntoView {
    let n = labels.len().max(1);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / n as f64;
    let point = |i: usize, v: f64| (LEFT + slot * (i as f64 + 0.5), TOP + plot * (1.0 - v));
    // Runs of buckets that have a value, each drawn as one line.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => runs
                .last_mut()
                .into_iter()
                .for_each(|r| r.push(point(i, *v))),
            None => runs.push(Vec::new()),
        }
    }
    let lines = runs
        .into_iter()
        .filter(|r| r.len() > 1)
        .map(|r| {
            let points = r
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            view! { <polyline points=points class="line"/> }
        })
        .collect_view();
    let dots = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .map(|(i, v)| {
            let (x, y) = point(i, v);
            let hover = format!("{}: {:.1} %", labels[i], v * 100.0);
            view! { <circle cx=x cy=y r="3" class="dot"><title>{hover}</title></circle> }
        })
        .collect_view();
    let id = title.to_lowercase().replace(' ', "-");
    view! {
        <figure class="chart">
            <figcaption id=format!("{id}-title")>{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                aria-labelledby=format!("{id}-title {id}-desc")>
                <desc id=format!("{id}-desc")>{summary}</desc>
                {value_axis(1.0, |v| format!("{:.0} %", v * 100.0))}
                {lines}
                {dots}
                {bucket_axis(&labels, slot)}
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_top_is_a_round_number_at_or_above_the_largest_value() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(1.0), 1.0);
        assert_eq!(axis_top(3.0), 5.0);
        assert_eq!(axis_top(12.0), 20.0);
        assert_eq!(axis_top(50.0), 50.0);
        assert_eq!(axis_top(51.0), 100.0);
        assert_eq!(axis_top(7300.0), 10_000.0);
        assert_eq!(label_every(24), 3);
        assert_eq!(label_every(30), 4);
        assert_eq!(label_every(12), 2);
    }
}
