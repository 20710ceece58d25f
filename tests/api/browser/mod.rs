//! The web UI in a real headless Chromium (the WebDriver client is `helpers::browser`): the
//! login stories, then the screens' stories (phones, administration, keyboard use, two-factor
//! login), the phone-sized layout, the accessibility check and the audit page.

mod accessibility;
mod admin;
mod api_keys;
mod audit;
mod console;
mod import;
mod invitation;
mod keyboard;
mod login;
mod narrow;
mod phone_page;
mod phone_scale;
mod phones;
mod second_factor;
mod webhooks;
