//! The platform's figures: accounts, phones, unknown phones, releases, contacts per day
//! across every account, and why phones were turned away.

use rcs_shared::PlatformSummary;
use yew::prelude::*;

use crate::components::contacts_chart::ContactsChart;
use crate::components::errors::ErrorAlert;
use crate::hooks::use_resource;
use crate::number::thousands;
use crate::route::{ConsolePage, Route};
use crate::services::console;

#[function_component]
pub fn PlatformPage() -> Html {
    let (summary, _) = use_resource((), |token, ()| console::summary(token));
    html! {
        <>
            <div class="page-header"><h2>{ "Platform" }</h2></div>
            <ErrorAlert id="platform-error" error={summary.error.clone()} />
            if let Some(s) = &summary.data {
                <Figures summary={(**s).clone()} />
            } else if summary.loading {
                <p class="muted" role="status">{ "Loading…" }</p>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct FiguresProps {
    summary: PlatformSummary,
}

#[function_component]
fn Figures(props: &FiguresProps) -> Html {
    let s = &props.summary;
    let accounts = Route::Console(ConsolePage::Accounts);
    let tiles = [
        (
            "platform-accounts",
            "Accounts",
            s.accounts,
            Some(accounts.clone()),
        ),
        (
            "platform-suspended",
            "Suspended accounts",
            s.suspended_accounts,
            Some(accounts),
        ),
        ("platform-phones", "Phones", s.phones, None),
        (
            "platform-unknown",
            "Unknown phones",
            s.unknown_phones,
            Some(Route::Console(ConsolePage::UnknownPhones)),
        ),
        (
            "platform-releases",
            "Firmware releases",
            s.firmware_releases,
            Some(Route::Console(ConsolePage::Firmware)),
        ),
    ];
    html! {
        <>
            <section class="card" aria-labelledby="platform-figures">
                <h3 id="platform-figures">{ "Across every account" }</h3>
                <dl class="stats">
                    { for tiles.iter().map(|(id, label, value, link)| {
                        let value = thousands(*value);
                        html! {
                            <div class={classes!("stat", link.is_some().then_some("stat-link"))}>
                                <dt>{ *label }</dt>
                                <dd id={*id}>
                                    if let Some(route) = link {
                                        <a href={route.href()} aria-label={format!("{label}: {value}, open")}>{ value }</a>
                                    } else {
                                        { value }
                                    }
                                </dd>
                            </div>
                        }
                    }) }
                </dl>
            </section>
            <section class="card" aria-labelledby="platform-contacts">
                <h3 id="platform-contacts">{ "Phone contacts per day" }</h3>
                <p class="muted small">{ "Last 30 days (UTC days), every account and unknown phones included." }</p>
                <ContactsChart days={s.boots_per_day.clone()} />
            </section>
            <section class="card" aria-labelledby="platform-refusals">
                <h3 id="platform-refusals">{ "Refused contacts by reason" }</h3>
                if s.refusals.is_empty() {
                    <p class="muted">{ "No phone was turned away in the last 30 days." }</p>
                } else {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Refusals">
                        <table id="refusals-table" class="table">
                            <thead><tr>
                                <th scope="col">{ "Reason" }</th>
                                <th scope="col" class="num">{ "Contacts" }</th>
                            </tr></thead>
                            <tbody>
                                { for s.refusals.iter().map(|r| html! {
                                    <tr>
                                        <th scope="row"><code>{ &r.reason }</code></th>
                                        <td class="num">{ thousands(r.count) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            </section>
        </>
    }
}
