//! A modal dialog on the native `<dialog>` element: the browser traps focus inside it,
//! closes it with Escape and restores focus afterwards, which a hand-made overlay would have
//! to re-implement.

use web_sys::HtmlDialogElement;
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
            if let Some(dialog) = node.cast::<HtmlDialogElement>() {
                if !dialog.open() {
                    let _ = dialog.show_modal();
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
