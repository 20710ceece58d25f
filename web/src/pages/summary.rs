//! Summary: the account's current statistics, the contacts chart, and the shortcut the
//! original guide starts every redirection with, "Set Unaffiliated Phones".

use rcs_shared::Summary;
use yew::prelude::*;

use crate::components::contacts_chart::ContactsChart;
use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::number::thousands;
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

/// A tile: its id, label, number, and the list that shows what it counts (if one can).
type Tile = (&'static str, &'static str, i64, Option<Route>);

#[function_component]
fn Statistics(props: &StatisticsProps) -> Html {
    let s = &props.summary;
    let unaffiliated = Route::phones_where("unaffiliated=true");
    let all = Route::phones();
    // Seen lately: the seen phones, most recent first (the list has no time-window filter).
    let recent = Route::phones_where("seen=true&sort=last_seen&order=desc");
    // Tiles link to the phone list filtered to what they count. With a default branding
    // every phone is branded, so "Branded" is the whole list; without one, the phones with a
    // branding of their own.
    let branded = if s.default_branding {
        Route::phones()
    } else {
        Route::phones_where("own_branding=true")
    };
    let stats: [Tile; 10] = [
        ("stat-phones", "Phones", s.phones, Some(all)),
        (
            "stat-redirected",
            "Redirected",
            s.redirected,
            Some(Route::phones_where("unaffiliated=false")),
        ),
        (
            "stat-unaffiliated",
            "Unaffiliated",
            s.unaffiliated,
            Some(unaffiliated.clone()),
        ),
        (
            "stat-firmware",
            "Firmware pinned",
            s.firmware_pinned,
            Some(Route::phones_where("firmware_pinned=true")),
        ),
        ("stat-branded", "Branded", s.branded, Some(branded)),
        (
            "stat-seen-24h",
            "Seen in the last 24 hours",
            s.seen_last_24h,
            Some(recent.clone()),
        ),
        (
            "stat-seen-7d",
            "Seen in the last 7 days",
            s.seen_last_7d,
            Some(recent),
        ),
        (
            "stat-never-seen",
            "Never seen",
            s.never_seen,
            Some(Route::phones_where("seen=false")),
        ),
        ("stat-servers", "Servers", s.servers, Some(Route::Servers)),
        ("stat-users", "Users", s.users, Some(Route::Users)),
    ];
    let tile = |(id, label, value, link): &Tile| {
        let value = thousands(*value);
        html! {
            <div class={classes!("stat", link.is_some().then_some("stat-link"))}>
                <dt>{ *label }</dt>
                <dd id={*id}>
                    if let Some(route) = link {
                        <a id={format!("{id}-link")} href={route.href()}
                            aria-label={format!("{label}: {value}, show the list")}>{ value }</a>
                    } else {
                        { value }
                    }
                </dd>
            </div>
        }
    };
    html! {
        <>
            <section class="card" aria-labelledby="current-statistics">
                <div class="card-header">
                    <h3 id="current-statistics">{ "Current Statistics" }</h3>
                    <a id="set-unaffiliated" class="button button-primary"
                        href={unaffiliated.href()}>{ "Set Unaffiliated Phones" }</a>
                </div>
                <dl class="stats">
                    { for stats.iter().map(tile) }
                </dl>
            </section>
            <section class="card" aria-labelledby="contacts-title">
                <h3 id="contacts-title">{ "Phone contacts per day" }</h3>
                <p class="muted small">{ "Last 30 days (UTC days); refused contacts are phones turned away for their certificate." }</p>
                <ContactsChart days={s.contacts_per_day.clone()} />
            </section>
        </>
    }
}
