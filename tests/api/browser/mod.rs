//! The web UI in a real headless Chromium (the WebDriver client is `helpers::browser`): the
//! login stories, then the screens' stories (phones, administration, keyboard use, two-factor
//! login).

mod admin;
mod api_keys;
mod keyboard;
mod login;
mod phones;
mod second_factor;
mod webhooks;
