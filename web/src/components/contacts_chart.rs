//! Phone contacts per day as inline SVG bars: a chart library would cost more download than
//! the whole app for thirty rectangles.

use rcs_shared::DailyContacts;
use yew::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 180.0;
/// Room for the axis labels.
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

#[derive(Properties, PartialEq)]
pub struct ContactsChartProps {
    pub days: Vec<DailyContacts>,
}

/// Bars scale to the busiest day; each bar has a tooltip (`<title>`) with its date and count,
/// and the chart as a whole has a text description for screen readers.
#[function_component]
pub fn ContactsChart(props: &ContactsChartProps) -> Html {
    let days = &props.days;
    let total: i64 = days.iter().map(|d| d.contacts).sum();
    let max = days.iter().map(|d| d.contacts).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / days.len().max(1) as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let description = format!(
        "Phone contacts per day for the last {} days: {} in all, at most {} on one day.",
        days.len(),
        total,
        max
    );
    let bars = days.iter().enumerate().map(|(i, day)| {
        let h = plot_h * day.contacts as f64 / max as f64;
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let y = TOP + plot_h - h;
        let label = (i % 7 == 0 || i + 1 == days.len()).then(|| {
            html! {
                <text x={fmt(x + bar_w / 2.0)} y={fmt(HEIGHT - 6.0)} class="chart-label"
                    text-anchor="middle">{ day.date.get(5..).unwrap_or(&day.date) }</text>
            }
        });
        html! {
            <g>
                <rect class="chart-bar" x={fmt(x)} y={fmt(y)} width={fmt(bar_w)}
                    height={fmt(h.max(0.0))}>
                    <title>{ format!("{}: {} contacts", day.date, day.contacts) }</title>
                </rect>
                { for label }
            </g>
        }
    });
    html! {
        <svg id="contacts-chart" class="chart" viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
            role="img" aria-label={description.clone()}>
            <title>{ description }</title>
            <line class="chart-axis" x1={fmt(LEFT)} y1={fmt(TOP + plot_h)} x2={fmt(WIDTH)}
                y2={fmt(TOP + plot_h)} />
            <text x={fmt(LEFT - 6.0)} y={fmt(TOP + 10.0)} class="chart-label"
                text-anchor="end">{ max }</text>
            <text x={fmt(LEFT - 6.0)} y={fmt(TOP + plot_h)} class="chart-label"
                text-anchor="end">{ "0" }</text>
            { for bars }
        </svg>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
