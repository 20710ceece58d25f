//! Summary: the account's current statistics, the contacts chart, and the shortcut the
//! original guide starts every redirection with, "Set Unaffiliated Phones".

use rcs_shared::Summary;
use yew::prelude::*;

use crate::components::contacts_chart::ContactsChart;
use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::route::Route;
use crate::services;

/// The page shown after login.
#[function_component]
pub fn SummaryPage() -> Html {
    let (summary, _) = use_resource((), |token, ()| services::summary(token));
    html! {
        <>
            <div class="page-header"><h2>{ "Summary" }</h2></div>
            <ErrorAlert id="summary-error" error={summary.error.clone()} />
            if let Some(s) = &summary.data {
                <Statistics summary={(**s).clone()} />
            } else if summary.loading {
                <p class="muted" role="status">{ "Loading…" }</p>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct StatisticsProps {
    summary: Summary,
}

#[function_component]
fn Statistics(props: &StatisticsProps) -> Html {
    let s = &props.summary;
    let unaffiliated = Route::Phones { unaffiliated: true };
    let stats = [
        ("stat-phones", "Phones", s.phones),
        ("stat-redirected", "Redirected", s.redirected),
        ("stat-unaffiliated", "Unaffiliated", s.unaffiliated),
        ("stat-firmware", "Firmware pinned", s.firmware_pinned),
        ("stat-branded", "Branded", s.branded),
        (
            "stat-seen-24h",
            "Seen in the last 24 hours",
            s.seen_last_24h,
        ),
        ("stat-seen-7d", "Seen in the last 7 days", s.seen_last_7d),
        ("stat-never-seen", "Never seen", s.never_seen),
        ("stat-servers", "Servers", s.servers),
        ("stat-users", "Users", s.users),
    ];
    html! {
        <>
            <section class="card" aria-labelledby="current-statistics">
                <div class="card-header">
                    <h3 id="current-statistics">{ "Current Statistics" }</h3>
                    <a id="set-unaffiliated" class="button button-primary"
                        href={unaffiliated.href()}>{ "Set Unaffiliated Phones" }</a>
                </div>
                <dl class="stats">
                    { for stats.iter().map(|(id, label, value)| html! {
                        <div class="stat">
                            <dt>{ *label }</dt>
                            <dd id={*id}>{ value }</dd>
                        </div>
                    }) }
                </dl>
            </section>
            <section class="card" aria-labelledby="contacts-title">
                <h3 id="contacts-title">{ "Phone contacts per day" }</h3>
                <p class="muted small">{ "Last 30 days, UTC." }</p>
                <ContactsChart days={s.contacts_per_day.clone()} />
            </section>
        </>
    }
}
