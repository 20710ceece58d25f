//! Times as people read them: to the second, in the timezone they chose on the Preferences
//! page, or else their browser's. The choice lives in the browser (`localStorage`), like the
//! browser's own timezone: the server keeps and sends UTC (RFC 3339) only.
//!
//! The formatting is the browser's `Intl.DateTimeFormat`, which knows every IANA zone and
//! its daylight-saving rules; no timezone database is compiled into the app.

use std::cell::RefCell;

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::js_sys::{self, Array, Date, Intl, Object, Reflect};

/// The `localStorage` key of the chosen timezone; absent means "the browser's".
const KEY: &str = "rcs.timezone";

thread_local! {
    /// The formatter of the zone last used: building one per time shown would be wasteful.
    static FORMATTER: RefCell<Option<(String, Intl::DateTimeFormat)>> = const { RefCell::new(None) };
}

/// The browser's timezone (`Europe/Berlin`), `UTC` when it cannot tell.
pub fn browser_zone() -> String {
    let format = Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// The zone the user chose, if any (and if the browser still knows it).
pub fn chosen_zone() -> Option<String> {
    LocalStorage::get::<String>(KEY)
        .ok()
        .filter(|z| formatter(z, false).is_some())
}

/// The zone times are shown in.
pub fn zone() -> String {
    chosen_zone().unwrap_or_else(browser_zone)
}

/// Remembers `zone` (`None`: follow the browser). Returns false for a zone the browser does
/// not know, which is not stored.
pub fn set_zone(zone: Option<&str>) -> bool {
    match zone {
        Some(z) if formatter(z, false).is_none() => false,
        Some(z) => LocalStorage::set(KEY, z).is_ok(),
        None => {
            LocalStorage::delete(KEY);
            true
        }
    }
}

/// Every IANA zone the browser knows (`Intl.supportedValuesOf("timeZone")`), sorted; just
/// UTC on a browser without that function.
pub fn all_zones() -> Vec<String> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok();
    let supported = intl
        .as_ref()
        .and_then(|i| Reflect::get(i, &"supportedValuesOf".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let zones = supported
        .zip(intl)
        .and_then(|(f, intl)| f.call1(&intl, &"timeZone".into()).ok())
        .and_then(|v| v.dyn_into::<Array>().ok());
    let mut zones: Vec<String> = zones
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default();
    if !zones.iter().any(|z| z == "UTC") {
        zones.push("UTC".into());
    }
    zones.sort();
    zones
}

/// An `Intl.DateTimeFormat` for `zone` giving numeric parts to the second (and the zone's
/// short name with `named`); `None` for a zone the browser rejects (a `RangeError`, caught
/// here rather than thrown through the app).
fn formatter(zone: &str, named: bool) -> Option<Intl::DateTimeFormat> {
    let options = Object::new();
    let mut pairs = vec![
        ("timeZone", zone),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("second", "2-digit"),
        ("hourCycle", "h23"),
    ];
    if named {
        pairs.push(("timeZoneName", "short"));
    }
    for (k, v) in pairs {
        Reflect::set(&options, &k.into(), &v.into()).ok()?;
    }
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let args = Array::of2(&JsValue::from_str("en-US"), &options);
    Reflect::construct(&constructor, &args)
        .ok()
        .map(|f| f.unchecked_into::<Intl::DateTimeFormat>())
}

/// The parts (`year`, `month`, ..., `timeZoneName`) of `date` as `format` writes them.
fn parts(format: &Intl::DateTimeFormat, date: &Date) -> Vec<(String, String)> {
    format
        .format_to_parts(date)
        .iter()
        .filter_map(|p| {
            let kind = Reflect::get(&p, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&p, &"value".into()).ok()?.as_string()?;
            Some((kind, value))
        })
        .collect()
}

fn part<'a>(parts: &'a [(String, String)], kind: &str) -> &'a str {
    parts
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// An RFC 3339 time as `2026-11-21 10:30:12 GMT+1`: in the user's zone, to the second, with
/// the zone named so a screenshot or a copied line is never ambiguous. Anything that is not
/// a time is shown as it came.
pub fn when(rfc3339: &str) -> String {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    let zone = zone();
    FORMATTER.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(z, _)| *z != zone) {
            *cell = formatter(&zone, true).map(|f| (zone.clone(), f));
        }
        let Some((_, format)) = cell.as_ref() else {
            return rfc3339.to_string();
        };
        let p = parts(format, &date);
        format!(
            "{}-{}-{} {}:{}:{} {}",
            part(&p, "year"),
            part(&p, "month"),
            part(&p, "day"),
            part(&p, "hour"),
            part(&p, "minute"),
            part(&p, "second"),
            part(&p, "timeZoneName"),
        )
    })
}

/// The UTC instant (RFC 3339) at which the day `date` (`YYYY-MM-DD`) begins in the user's
/// zone; with `next`, the instant the day after begins (the end of a range that includes
/// `date`). `None` for a date that is not one.
pub fn day_start(date: &str, next: bool) -> Option<String> {
    let midnight_utc = Date::new(&JsValue::from_str(&format!("{date}T00:00:00Z")));
    let mut wall = midnight_utc.get_time();
    if wall.is_nan() || date.len() != 10 {
        return None;
    }
    if next {
        wall += 86_400_000.0;
    }
    let format = formatter(&zone(), false)?;
    // The zone's offset at an instant is its wall clock there minus the instant; twice, so a
    // day that starts next to a daylight-saving change lands on the right side of it.
    let mut instant = wall;
    for _ in 0..2 {
        instant = wall - offset(&format, instant)?;
    }
    Date::new(&JsValue::from_f64(instant))
        .to_iso_string()
        .as_string()
}

/// Milliseconds the zone of `format` is ahead of UTC at `instant`.
fn offset(format: &Intl::DateTimeFormat, instant: f64) -> Option<f64> {
    let p = parts(format, &Date::new(&JsValue::from_f64(instant)));
    let wall = format!(
        "{}-{}-{}T{}:{}:{}Z",
        part(&p, "year"),
        part(&p, "month"),
        part(&p, "day"),
        part(&p, "hour"),
        part(&p, "minute"),
        part(&p, "second"),
    );
    let wall = Date::new(&JsValue::from_str(&wall)).get_time();
    // Whole seconds: the instant may carry milliseconds the wall clock dropped.
    let instant = (instant / 1000.0).floor() * 1000.0;
    (!wall.is_nan()).then_some(wall - instant)
}
