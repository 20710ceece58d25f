//! A length counter under a text field with a `maxlength` ("37 / 64"): the browser stops
//! typing and cuts pasted text at the limit, so the counter says when the field is full and
//! nothing longer was taken, instead of cutting silently.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CounterProps {
    /// The counter's id (fields name it in `aria-describedby`).
    pub id: AttrValue,
    pub value: AttrValue,
    pub max: usize,
}

/// "7 / 20", and at the limit a sentence saying so.
#[function_component]
pub fn Counter(props: &CounterProps) -> Html {
    let used = props.value.chars().count();
    let full = used >= props.max;
    html! {
        <p id={props.id.clone()} class={classes!("hint", "counter", full.then_some("counter-full"))}
            aria-live="polite">
            { format!("{used} / {}", props.max) }
            if full {
                { format!(" — the limit: nothing beyond {} characters is taken (pasted text is cut there).", props.max) }
            }
        </p>
    }
}
