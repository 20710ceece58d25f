//! An address that names no screen the user may see.

use yew::prelude::*;

use crate::route::Route;

/// Says so and offers the way back.
#[function_component]
pub fn NotFoundPage() -> Html {
    html! {
        <section class="card">
            <h2>{ "Page not found" }</h2>
            <p class="muted">{ "This page does not exist or is not available to you." }</p>
            <p><a href={Route::Summary.href()}>{ "Back to Summary" }</a></p>
        </section>
    }
}
