//! The rcs web UI: a Yew single-page app, built with trunk and served by the rcs binary.
//!
//! This file only mounts [`app::App`]; everything else lives in modules so the UI can grow
//! page by page without this entry point changing.

mod app;
mod components;
mod hooks;
mod mac;
mod number;
mod pages;
mod route;
mod services;
mod session;
mod time;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
