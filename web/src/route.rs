//! Where in the signed-in app the user is: a tiny hash router.
//!
//! Addresses are `#/phones`, `#/phones?unaffiliated=true`, `#/phones/00085D1A2B3C`,
//! `#/servers`, ... A hash keeps every address on the one page the server sends (`/`), makes
//! back/forward and bookmarks work, and costs a few dozen lines instead of a router crate.
//! Links are plain `<a href="#/...">`, so they are keyboard-usable and open in new tabs.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A screen of the signed-in app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Summary,
    /// The phone list; `query` is its view (filters, search, sort, page size, page) as the
    /// address's query string, e.g. `server_id=3&sort=last_seen&order=desc`
    /// (see `pages::phones::view`), "" for all phones.
    Phones {
        query: String,
    },
    /// One phone and its boot history.
    Phone(String),
    Servers,
    Brandings,
    Firmware,
    Users,
    ApiKeys,
    /// The audit trail (Super Users).
    Audit,
    /// The account's webhooks (Super Users).
    Webhooks,
    /// One webhook and its deliveries.
    Webhook(i64),
    Preferences,
    Password,
    /// The operator console's screens (operators only): the platform's figures, accounts,
    /// the firmware catalog, device trust, unknown phones and the operator trail.
    Console(ConsolePage),
    /// An address that names no screen.
    NotFound,
}

/// A screen of the operator console (`#/console/...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsolePage {
    Summary,
    Accounts,
    Firmware,
    Trust,
    UnknownPhones,
    Audit,
}

impl ConsolePage {
    fn segment(self) -> &'static str {
        match self {
            ConsolePage::Summary => "",
            ConsolePage::Accounts => "/accounts",
            ConsolePage::Firmware => "/firmware",
            ConsolePage::Trust => "/trust",
            ConsolePage::UnknownPhones => "/unknown-phones",
            ConsolePage::Audit => "/audit",
        }
    }
}

impl Route {
    /// Reads a `location.hash` value (`#/phones?unaffiliated=true`).
    pub fn parse(hash: &str) -> Route {
        let hash = hash.trim_start_matches('#').trim_start_matches('/');
        let (path, query) = hash.split_once('?').unwrap_or((hash, ""));
        let mut parts = path.split('/').filter(|p| !p.is_empty());
        match (parts.next(), parts.next(), parts.next()) {
            (None | Some("summary"), None, None) => Route::Summary,
            (Some("phones"), None, None) => Route::Phones {
                query: query.to_string(),
            },
            (Some("phones"), Some(mac), None) => Route::Phone(mac.to_string()),
            (Some("servers"), None, None) => Route::Servers,
            (Some("brandings"), None, None) => Route::Brandings,
            (Some("firmware"), None, None) => Route::Firmware,
            (Some("users"), None, None) => Route::Users,
            (Some("api-keys"), None, None) => Route::ApiKeys,
            (Some("audit"), None, None) => Route::Audit,
            (Some("webhooks"), None, None) => Route::Webhooks,
            (Some("webhooks"), Some(id), None) => {
                id.parse().map_or(Route::NotFound, Route::Webhook)
            }
            (Some("preferences"), None, None) => Route::Preferences,
            (Some("password"), None, None) => Route::Password,
            (Some("console"), page, None) => match page {
                None => Route::Console(ConsolePage::Summary),
                Some("accounts") => Route::Console(ConsolePage::Accounts),
                Some("firmware") => Route::Console(ConsolePage::Firmware),
                Some("trust") => Route::Console(ConsolePage::Trust),
                Some("unknown-phones") => Route::Console(ConsolePage::UnknownPhones),
                Some("audit") => Route::Console(ConsolePage::Audit),
                Some(_) => Route::NotFound,
            },
            _ => Route::NotFound,
        }
    }

    /// The phone list with every phone, on its first page.
    pub fn phones() -> Route {
        Route::Phones {
            query: String::new(),
        }
    }

    /// The phone list opened with a view, e.g. `unaffiliated=true`.
    pub fn phones_where(query: &str) -> Route {
        Route::Phones {
            query: query.to_string(),
        }
    }

    /// The `href` of a link to this screen.
    pub fn href(&self) -> String {
        match self {
            Route::Summary => "#/summary".into(),
            Route::Phones { query } if query.is_empty() => "#/phones".into(),
            Route::Phones { query } => format!("#/phones?{query}"),
            Route::Phone(mac) => format!("#/phones/{mac}"),
            Route::Servers => "#/servers".into(),
            Route::Brandings => "#/brandings".into(),
            Route::Firmware => "#/firmware".into(),
            Route::Users => "#/users".into(),
            Route::ApiKeys => "#/api-keys".into(),
            Route::Audit => "#/audit".into(),
            Route::Webhooks => "#/webhooks".into(),
            Route::Webhook(id) => format!("#/webhooks/{id}"),
            Route::Preferences => "#/preferences".into(),
            Route::Password => "#/password".into(),
            Route::Console(page) => format!("#/console{}", page.segment()),
            Route::NotFound => "#/".into(),
        }
    }
}

/// The event [`navigate`] sends so [`use_route`] reads the new address: `pushState` and
/// `replaceState` send no `hashchange`.
const NAVIGATED: &str = "rcs-navigated";

/// Goes to `href` (`#/phones?...`) as a new history entry (`replace`: in place of the
/// current one, for changes such as typing in a search box that Back should not step
/// through), and updates the screen.
pub fn navigate(href: &str, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let null = wasm_bindgen::JsValue::NULL;
        let _ = if replace {
            history.replace_state_with_url(&null, "", Some(href))
        } else {
            history.push_state_with_url(&null, "", Some(href))
        };
    }
    if let Ok(event) = web_sys::Event::new(NAVIGATED) {
        let _ = window.dispatch_event(&event);
    }
}

fn current() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::parse(&hash)
}

/// The current route, updated on every `hashchange` (links, back, forward, typed address).
#[hook]
pub fn use_route() -> Route {
    let route = use_state_eq(current);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || route.set(current()));
            let window = web_sys::window();
            // `popstate`: Back and Forward between entries that `navigate` pushed.
            const EVENTS: [&str; 3] = ["hashchange", "popstate", NAVIGATED];
            if let Some(w) = &window {
                for name in EVENTS {
                    let _ =
                        w.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                }
            }
            move || {
                if let Some(w) = &window {
                    for name in EVENTS {
                        let _ = w.remove_event_listener_with_callback(
                            name,
                            listener.as_ref().unchecked_ref(),
                        );
                    }
                }
            }
        });
    }
    (*route).clone()
}

#[cfg(test)]
mod tests {
    use super::{ConsolePage, Route};

    #[test]
    fn console_addresses_round_trip() {
        for page in [
            ConsolePage::Summary,
            ConsolePage::Accounts,
            ConsolePage::Firmware,
            ConsolePage::Trust,
            ConsolePage::UnknownPhones,
            ConsolePage::Audit,
        ] {
            let route = Route::Console(page);
            assert_eq!(Route::parse(&route.href()), route);
        }
        assert_eq!(Route::parse("#/console/nothing"), Route::NotFound);
    }

    #[test]
    fn webhook_addresses_name_the_list_or_one_webhook_and_round_trip() {
        assert_eq!(Route::parse("#/webhooks"), Route::Webhooks);
        assert_eq!(Route::parse("#/webhooks/12"), Route::Webhook(12));
        assert_eq!(Route::parse("#/webhooks/twelve"), Route::NotFound);
        assert_eq!(Route::parse("#/webhooks/12/x"), Route::NotFound);
        for route in [Route::Webhooks, Route::Webhook(7)] {
            assert_eq!(Route::parse(&route.href()), route);
        }
    }
}
