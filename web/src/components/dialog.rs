//! A modal dialog on the native `<dialog>` element: the browser traps focus inside it and
//! closes it with Escape, which a hand-made overlay would have to re-implement. Opening puts
//! the focus on the first field; closing gives it back to the control that opened the dialog
//! (the browser would only do that for `close()`, and this dialog is unmounted instead).

use wasm_bindgen::JsCast;
use web_sys::{HtmlDialogElement, HtmlElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    /// `id` of the `<dialog>`, for tests and labels.
    pub id: AttrValue,
    pub title: AttrValue,
    /// Escape, the close button, or the parent's Cancel button.
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub wide: bool,
    pub children: Html,
}

/// Shown while it is rendered: the parent mounts it to open and unmounts it to close.
#[function_component]
pub fn Dialog(props: &DialogProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            let opener = focused();
            let shown = node.cast::<HtmlDialogElement>();
            if let Some(dialog) = &shown {
                if !dialog.open() {
                    let _ = dialog.show_modal();
                }
                let first_field = dialog
                    .query_selector(".dialog-body input:not([type=hidden]), .dialog-body select, .dialog-body textarea")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                if let Some(field) = first_field {
                    let _ = field.focus();
                }
            }
            move || {
                // Close first: while the modal dialog is open everything outside it is inert
                // and cannot take the focus.
                if let Some(dialog) = shown.filter(|d| d.open()) {
                    dialog.close();
                }
                if let Some(opener) = opener.filter(|o| o.is_connected()) {
                    let _ = opener.focus();
                }
            }
        });
    }
    let oncancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: Event| {
            // Escape: the parent decides (it unmounts the dialog).
            e.prevent_default();
            on_close.emit(());
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let title_id = format!("{}-title", props.id);
    let class = classes!("dialog", props.wide.then_some("dialog-wide"));
    html! {
        <dialog id={props.id.clone()} {class} ref={node} aria-labelledby={title_id.clone()} {oncancel}>
            <header class="dialog-header">
                <h2 id={title_id}>{ props.title.clone() }</h2>
                <button type="button" class="icon-button" aria-label="Close" onclick={close}>
                    { "×" }
                </button>
            </header>
            <div class="dialog-body">{ props.children.clone() }</div>
        </dialog>
    }
}

/// The element that has the keyboard focus, if any.
fn focused() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<HtmlElement>()
        .ok()
}
