//! Phone contacts per day as inline SVG bars: a chart library would cost more download than
//! the whole app for thirty rectangles.

use rcs_shared::DailyContacts;
use yew::prelude::*;

use crate::number::thousands;

/// The drawing's own units. Narrower than a desktop card on purpose: the SVG scales to the
/// card's width, and a small drawing keeps its labels readable when that width is a phone's.
const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 170.0;
/// Room for the axis labels (the y labels are right-aligned numbers like `52,000`).
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 10.0;
/// A date label every this many days, counted back from today so today always has one and
/// no two labels come closer than this.
const LABEL_EVERY: usize = 7;

#[derive(Properties, PartialEq)]
pub struct ContactsChartProps {
    pub days: Vec<DailyContacts>,
}

/// Stacked bars (answered, then refused on top) scaled to the busiest day; each part has a
/// tooltip (`<title>`) with its date and count, the axes carry 0, half and the maximum, and
/// the chart as a whole has a text description for screen readers.
#[function_component]
pub fn ContactsChart(props: &ContactsChartProps) -> Html {
    let days = &props.days;
    let total: i64 = days.iter().map(|d| d.contacts).sum();
    let refused: i64 = days.iter().map(|d| d.refused).sum();
    let max = days.iter().map(|d| d.contacts).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / days.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let description = format!(
        "Phone contacts per day for the last {} days: {} in all, {} of them refused; at most {} on one day.",
        days.len(),
        thousands(total),
        thousands(refused),
        thousands(max)
    );
    let scale = |n: i64| plot_h * n as f64 / max as f64;
    let bars = days.iter().enumerate().map(|(i, day)| {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let answered = (day.contacts - day.refused).max(0);
        let (h_answered, h_refused) = (scale(answered), scale(day.refused.max(0)));
        let y_answered = TOP + plot_h - h_answered;
        let label = (days.len() - 1 - i).is_multiple_of(LABEL_EVERY).then(|| {
            html! {
                <text x={fmt(x + bar_w / 2.0)} y={fmt(HEIGHT - 6.0)} class="chart-label"
                    text-anchor="middle">{ short_date(&day.date) }</text>
            }
        });
        html! {
            <g>
                <rect class="chart-bar" x={fmt(x)} y={fmt(y_answered)} width={fmt(bar_w)}
                    height={fmt(h_answered)}>
                    <title>{ format!("{}: {} answered", day.date, thousands(answered)) }</title>
                </rect>
                if day.refused > 0 {
                    <rect class="chart-bar-refused" x={fmt(x)} y={fmt(y_answered - h_refused)}
                        width={fmt(bar_w)} height={fmt(h_refused)}>
                        <title>{ format!("{}: {} refused", day.date, thousands(day.refused)) }</title>
                    </rect>
                }
                { for label }
            </g>
        }
    });
    let y_label = |n: i64| {
        let y = TOP + plot_h - scale(n);
        html! {
            <g>
                <line class="chart-grid" x1={fmt(LEFT)} y1={fmt(y)} x2={fmt(WIDTH)} y2={fmt(y)} />
                <text x={fmt(LEFT - 5.0)} y={fmt(y + 4.0)} class="chart-label"
                    text-anchor="end">{ thousands(n) }</text>
            </g>
        }
    };
    html! {
        <figure class="chart-figure">
            <svg id="contacts-chart" class="chart" viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
                role="img" aria-label={description.clone()}>
                <title>{ description }</title>
                { y_label(max) }
                if max >= 4 { { y_label(max / 2) } }
                { y_label(0) }
                <line class="chart-axis" x1={fmt(LEFT)} y1={fmt(TOP + plot_h)} x2={fmt(WIDTH)}
                    y2={fmt(TOP + plot_h)} />
                { for bars }
            </svg>
            <figcaption>
                <ul class="chart-legend">
                    <li><span class="swatch swatch-answered" aria-hidden="true"></span>
                        { format!("Answered ({})", thousands(total - refused)) }</li>
                    <li><span class="swatch swatch-refused" aria-hidden="true"></span>
                        { format!("Refused ({})", thousands(refused)) }</li>
                </ul>
            </figcaption>
        </figure>
    }
}

/// `2026-11-30` as `Nov 30`: short enough for a label under a bar, unambiguous in any locale.
fn short_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = date
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)));
    match (month, date.get(8..10)) {
        (Some(m), Some(d)) => format!("{m} {}", d.trim_start_matches('0')),
        _ => date.to_string(),
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
