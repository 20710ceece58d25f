//! The phone table: a checkbox per MAC (a click with Shift ticks or clears the range from the
//! last clicked row) and one to select the whole page, sortable MAC and Last Seen columns,
//! and the properties and boot facts of each phone.

use std::collections::BTreeSet;

use rcs_shared::{Phone, PhoneSort, SortOrder};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::mac::pretty;
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct PhoneTableProps {
    pub phones: Vec<Phone>,
    pub loading: bool,
    pub selected: BTreeSet<String>,
    pub on_select: Callback<BTreeSet<String>>,
    pub sort: (PhoneSort, SortOrder),
    pub on_sort: Callback<(PhoneSort, SortOrder)>,
}

/// The table of one page of phones.
#[function_component]
pub fn PhoneTable(props: &PhoneTableProps) -> Html {
    let all = use_node_ref();
    // The row clicked last: the start of a Shift-click range.
    let anchor = use_mut_ref(|| None::<String>);
    let on_page = props
        .phones
        .iter()
        .filter(|p| props.selected.contains(&p.mac))
        .count();
    let every = on_page > 0 && on_page == props.phones.len();
    let some = on_page > 0 && !every;
    {
        // `indeterminate` is a property only, not an attribute.
        let all = all.clone();
        use_effect_with(some, move |some| {
            if let Some(input) = all.cast::<HtmlInputElement>() {
                input.set_indeterminate(*some);
            }
        });
    }
    let toggle_all = {
        let (phones, selected, on_select) = (
            props.phones.clone(),
            props.selected.clone(),
            props.on_select.clone(),
        );
        Callback::from(move |_: Event| {
            let mut next = selected.clone();
            for p in &phones {
                if every {
                    next.remove(&p.mac);
                } else {
                    next.insert(p.mac.clone());
                }
            }
            on_select.emit(next);
        })
    };

    if props.phones.is_empty() {
        return html! {
            <p id="phones-empty" class="card muted" role="status">
                { if props.loading { "Loading…" } else { "No phones match." } }
            </p>
        };
    }
    html! {
        <div class={classes!("table-wrap", "card", props.loading.then_some("loading"))}
            aria-busy={props.loading.to_string()}>
            <table id="phones-table" class="table phones stack">
                <thead><tr>
                    <th scope="col" class="check-cell">
                        <input id="select-all" type="checkbox" ref={all} checked={every}
                            onchange={toggle_all} aria-label="Select all phones on this page" />
                    </th>
                    <SortHeader label="MAC Address" key_={PhoneSort::Mac} sort={props.sort} on_sort={props.on_sort.clone()} />
                    <th scope="col">{ "Server" }</th>
                    <th scope="col">{ "Branding" }</th>
                    <th scope="col">{ "Firmware" }</th>
                    <th scope="col">{ "Model" }</th>
                    <th scope="col">{ "Reported Firmware" }</th>
                    <SortHeader label="Last Seen" key_={PhoneSort::LastSeen} sort={props.sort} on_sort={props.on_sort.clone()} />
                </tr></thead>
                <tbody>
                    { for props.phones.iter().map(|p| row(p, props, &anchor)) }
                </tbody>
            </table>
        </div>
    }
}

/// The selection after a click on `mac`'s checkbox: a plain click toggles it; with Shift,
/// every row from the last clicked one to this one takes this row's new state.
pub fn clicked(
    order: &[String],
    selected: &BTreeSet<String>,
    mac: &str,
    anchor: Option<&str>,
    shift: bool,
) -> BTreeSet<String> {
    let tick = !selected.contains(mac);
    let at = |m: &str| order.iter().position(|o| o == m);
    let range = match (shift, anchor.and_then(at), at(mac)) {
        (true, Some(a), Some(b)) => &order[a.min(b)..=a.max(b)],
        _ => at(mac).map(|b| &order[b..=b]).unwrap_or(&[]),
    };
    let mut next = selected.clone();
    for m in range {
        if tick {
            next.insert(m.clone());
        } else {
            next.remove(m);
        }
    }
    next
}

fn row(
    p: &Phone,
    props: &PhoneTableProps,
    anchor: &std::rc::Rc<std::cell::RefCell<Option<String>>>,
) -> Html {
    let checked = props.selected.contains(&p.mac);
    let toggle = {
        let (mac, selected, on_select) = (
            p.mac.clone(),
            props.selected.clone(),
            props.on_select.clone(),
        );
        let order: Vec<String> = props.phones.iter().map(|p| p.mac.clone()).collect();
        let anchor = anchor.clone();
        Callback::from(move |e: MouseEvent| {
            let from = anchor.borrow().clone();
            let next = clicked(&order, &selected, &mac, from.as_deref(), e.shift_key());
            *anchor.borrow_mut() = Some(mac.clone());
            on_select.emit(next);
        })
    };
    let dash = || html! { <span class="muted">{ "—" }</span> };
    let text = |v: &Option<String>| v.as_ref().map(|s| html! { { s } }).unwrap_or_else(dash);
    html! {
        <tr class={classes!(checked.then_some("selected"))}>
            <td class="check-cell" data-label="Select">
                <input type="checkbox" class="row-check" id={format!("select-{}", p.mac)}
                    checked={checked} onclick={toggle} aria-label={format!("Select {}", pretty(&p.mac))} />
            </td>
            <th scope="row" class="mono" data-label="MAC Address">
                <a id={format!("phone-link-{}", p.mac)} href={Route::Phone(p.mac.clone()).href()}>{ pretty(&p.mac) }</a>
            </th>
            <td class="cell-server wrap-words" data-label="Server">{ p.server_name.as_ref().map(|s| html! { { s } })
                .unwrap_or_else(|| html! { <span class="badge">{ "Unaffiliated" }</span> }) }</td>
            <td data-label="Branding" class="wrap-words">{ text(&p.branding_name) }</td>
            <td data-label="Firmware">{ p.firmware.as_ref().map(|s| html! { { s } }).unwrap_or_else(|| html! { <span class="muted">{ "None" }</span> }) }</td>
            <td data-label="Model">{ text(&p.model) }</td>
            <td data-label="Reported Firmware">{ text(&p.reported_firmware) }</td>
            <td data-label="Last Seen">{ p.last_seen_at.as_deref().map(when).map(|s| html! { { s } })
                .unwrap_or_else(|| html! { <span class="muted">{ "Never" }</span> }) }</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_click_ticks_or_clears_the_range_from_the_last_click() {
        let order: Vec<String> = ["A", "B", "C", "D", "E"].map(String::from).to_vec();
        let none = BTreeSet::new();
        let one = clicked(&order, &none, "B", None, false);
        assert_eq!(one, ["B".to_string()].into());
        let range = clicked(&order, &one, "E", Some("B"), true);
        assert_eq!(range.len(), 4);
        // Upwards too, and clearing when the clicked row was ticked.
        let cleared = clicked(&order, &range, "C", Some("E"), true);
        assert_eq!(cleared, ["B".to_string()].into());
        // Without Shift, or with an anchor from another page: just this row.
        assert_eq!(clicked(&order, &none, "D", Some("Z"), true).len(), 1);
    }
}

/// An RFC 3339 time to the second in the user's timezone (see [`crate::time::when`]).
pub fn when(rfc3339: &str) -> String {
    crate::time::when(rfc3339)
}

#[derive(Properties, PartialEq)]
struct SortHeaderProps {
    label: AttrValue,
    key_: PhoneSort,
    sort: (PhoneSort, SortOrder),
    on_sort: Callback<(PhoneSort, SortOrder)>,
}

/// A column header that sorts by its column; a second click reverses the order.
#[function_component]
fn SortHeader(props: &SortHeaderProps) -> Html {
    let active = props.sort.0 == props.key_;
    let order = props.sort.1;
    let onclick = {
        let (key, on_sort) = (props.key_, props.on_sort.clone());
        Callback::from(move |_: MouseEvent| {
            let next = match (active, order) {
                (true, SortOrder::Asc) => SortOrder::Desc,
                (true, SortOrder::Desc) => SortOrder::Asc,
                // Newest first is what one wants from Last Seen.
                (false, _) if key == PhoneSort::LastSeen => SortOrder::Desc,
                (false, _) => SortOrder::Asc,
            };
            on_sort.emit((key, next));
        })
    };
    let (aria, arrow) = match (active, order) {
        (false, _) => ("none", ""),
        (true, SortOrder::Asc) => ("ascending", " ▲"),
        (true, SortOrder::Desc) => ("descending", " ▼"),
    };
    let id = match props.key_ {
        PhoneSort::Mac => "sort-mac",
        PhoneSort::LastSeen => "sort-last-seen",
    };
    html! {
        <th scope="col" aria-sort={aria}>
            <button {id} type="button" class="sort" {onclick}>{ props.label.clone() }{ arrow }</button>
        </th>
    }
}
