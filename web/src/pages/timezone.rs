//! The timezone preference: which zone times are shown in, the browser's unless the user
//! picks another. Kept in this browser (`crate::time`), so it takes effect at once and needs
//! no server round trip; the server only ever sends UTC.

use yew::prelude::*;

use crate::components::options::event_value;
use crate::time;

/// A select of every zone the browser knows, "Browser default" first.
#[function_component]
pub fn TimezoneSection() -> Html {
    let chosen = use_state(|| time::chosen_zone().unwrap_or_default());
    let zones = use_memo((), |()| time::all_zones());
    let saved = use_state(|| None::<String>);
    let browser = time::browser_zone();

    let onchange = {
        let (chosen, saved) = (chosen.clone(), saved.clone());
        Callback::from(move |e: Event| {
            let value = event_value(&e);
            if time::set_zone(Some(value.as_str()).filter(|v| !v.is_empty())) {
                saved.set(Some(time::zone()));
                chosen.set(value);
            }
        })
    };
    html! {
        <section class="card narrow" aria-labelledby="timezone-title">
            <h3 id="timezone-title">{ "Time zone" }</h3>
            <div class="field">
                <label for="pref-timezone">{ "Show times in" }</label>
                <select id="pref-timezone" {onchange} aria-describedby="pref-timezone-hint">
                    <option value="" selected={chosen.is_empty()}>
                        { format!("Browser default ({browser})") }
                    </option>
                    { for zones.iter().map(|z| html! {
                        <option value={z.clone()} selected={*chosen == *z}>{ z }</option>
                    }) }
                </select>
                <p id="pref-timezone-hint" class="hint">
                    { "Applies to the times on the audit and phone pages, in this browser." }
                </p>
            </div>
            <p id="timezone-saved" class="muted small" role="status">
                if let Some(zone) = &*saved {
                    { format!("Times are now shown in {zone}.") }
                }
            </p>
        </section>
    }
}
