//! The phone list's filters: server (or unaffiliated), branding, firmware, seen, and the MAC
//! search, which waits for a pause in typing so each keystroke is not a request.

use std::time::Duration;

use rcs_shared::PhoneQuery;
use yew::platform::{spawn_local, time::sleep};
use yew::prelude::*;

use crate::components::options::{
    branding_options, event_value, firmware_options, parse_id, server_options, Choices,
};

/// The filter controls' values, as the `<select>`s hold them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// "" all, "none" unaffiliated, "any" redirected, or a server id.
    pub server: String,
    /// "" all, "own" a branding of their own, "none" none of their own, or a branding id.
    pub branding: String,
    /// "" all, [`PINNED`] any release pinned, [`NOT_PINNED`] none pinned, or a release.
    pub firmware: String,
    /// "" all, "true" seen, "false" never seen.
    pub seen: String,
    /// Part of a MAC.
    pub q: String,
}

/// The firmware filter's "any release pinned" (a release is never spelled with `*`).
pub const PINNED: &str = "*pinned";
/// The firmware filter's "no release pinned".
pub const NOT_PINNED: &str = "*none";

impl Filters {
    /// `firmware_pinned` of the firmware filter, when it is one of the two choices.
    pub fn firmware_pinned(&self) -> Option<bool> {
        match self.firmware.as_str() {
            PINNED => Some(true),
            NOT_PINNED => Some(false),
            _ => None,
        }
    }

    /// `own_branding` of the branding filter, when it is "own" or "none".
    pub fn own_branding(&self) -> Option<bool> {
        match self.branding.as_str() {
            "own" => Some(true),
            "none" => Some(false),
            _ => None,
        }
    }

    pub fn to_query(&self) -> PhoneQuery {
        let unaffiliated = match self.server.as_str() {
            "none" => Some(true),
            "any" => Some(false),
            _ => None,
        };
        PhoneQuery {
            unaffiliated,
            server_id: parse_id(&self.server),
            branding_id: parse_id(&self.branding),
            firmware: (!self.firmware.is_empty() && self.firmware_pinned().is_none())
                .then(|| self.firmware.clone()),
            firmware_pinned: self.firmware_pinned(),
            own_branding: self.own_branding(),
            seen: self.seen.parse().ok(),
            q: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
            ..PhoneQuery::default()
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct FilterBarProps {
    pub filters: Filters,
    pub choices: Choices,
    pub on_change: Callback<Filters>,
}

/// Search box and filter selects.
#[function_component]
pub fn FilterBar(props: &FilterBarProps) -> Html {
    let f = &props.filters;
    let typed = use_state(|| f.q.clone());
    let typing = use_mut_ref(|| 0u32);
    // The search the list last asked for: another one comes from the address (Back, a
    // link), and the box shows it.
    let sent = use_mut_ref(|| f.q.clone());
    {
        let (typed, sent) = (typed.clone(), sent.clone());
        use_effect_with(f.q.clone(), move |q| {
            if *sent.borrow() != *q {
                *sent.borrow_mut() = q.clone();
                typed.set(q.clone());
            }
        });
    }

    let change = |apply: fn(&mut Filters, String)| {
        let (filters, on_change) = (props.filters.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = filters.clone();
            apply(&mut next, event_value(&e));
            on_change.emit(next);
        })
    };
    let oninput = {
        let (typed, typing, sent) = (typed.clone(), typing.clone(), sent.clone());
        let (filters, on_change) = (props.filters.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            let value = event_value(&e);
            typed.set(value.clone());
            let mine = {
                let mut t = typing.borrow_mut();
                *t += 1;
                *t
            };
            let (typing, filters, on_change) = (typing.clone(), filters.clone(), on_change.clone());
            let sent = sent.clone();
            spawn_local(async move {
                sleep(Duration::from_millis(300)).await;
                if *typing.borrow() == mine {
                    *sent.borrow_mut() = value.clone();
                    on_change.emit(Filters {
                        q: value,
                        ..filters
                    });
                }
            });
        })
    };
    let onsubmit = Callback::from(|e: SubmitEvent| e.prevent_default());

    html! {
        <form class="filters card" role="search" aria-label="Filter phones" {onsubmit}>
            <div class="field">
                <label for="phone-search">{ "Search MAC" }</label>
                <input id="phone-search" type="search" placeholder="e.g. 5D:1A" autocomplete="off"
                    value={(*typed).clone()} {oninput} />
            </div>
            <div class="field">
                <label for="filter-server">{ "Server" }</label>
                <select id="filter-server" onchange={change(|f, v| f.server = v)}>
                    <option value="" selected={f.server.is_empty()}>{ "All" }</option>
                    <option value="none" selected={f.server == "none"}>{ "Unaffiliated" }</option>
                    <option value="any" selected={f.server == "any"}>{ "Any server" }</option>
                    { server_options(&props.choices, &f.server) }
                </select>
            </div>
            <div class="field">
                <label for="filter-branding">{ "Branding" }</label>
                <select id="filter-branding" onchange={change(|f, v| f.branding = v)}>
                    <option value="" selected={f.branding.is_empty()}>{ "All" }</option>
                    <option value="own" selected={f.branding == "own"}>{ "Any of their own" }</option>
                    <option value="none" selected={f.branding == "none"}>{ "None of their own" }</option>
                    { branding_options(&props.choices, &f.branding) }
                </select>
            </div>
            <div class="field">
                <label for="filter-firmware">{ "Firmware" }</label>
                <select id="filter-firmware" onchange={change(|f, v| f.firmware = v)}>
                    <option value="" selected={f.firmware.is_empty()}>{ "All" }</option>
                    <option value={PINNED} selected={f.firmware == PINNED}>{ "Any release pinned" }</option>
                    <option value={NOT_PINNED} selected={f.firmware == NOT_PINNED}>{ "None pinned" }</option>
                    { firmware_options(&props.choices, &f.firmware) }
                </select>
            </div>
            <div class="field">
                <label for="filter-seen">{ "Seen" }</label>
                <select id="filter-seen" onchange={change(|f, v| f.seen = v)}>
                    <option value="" selected={f.seen.is_empty()}>{ "All" }</option>
                    <option value="true" selected={f.seen == "true"}>{ "Seen" }</option>
                    <option value="false" selected={f.seen == "false"}>{ "Never seen" }</option>
                </select>
            </div>
        </form>
    }
}
