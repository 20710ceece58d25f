//! Edit a branding (Super User): rename it, make it the default, and manage its files, with
//! a preview of each image before and after upload.

use std::rc::Rc;

use rcs_shared::{Branding, BrandingPatch};
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use super::preview::{is_image, ObjectUrl, StoredImage};
use super::NAME_CODES;
use crate::components::counter::Counter;
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::bind_input;
use crate::hooks::{use_action, use_resource, Action};
use crate::pages::firmware::size;
use crate::services::{api, brandings};

#[derive(Properties, PartialEq)]
pub struct BrandingEditorProps {
    pub id: i64,
    pub on_close: Callback<()>,
}

/// The editor dialog; every change is saved at once and the dialog shows the result.
#[function_component]
pub fn BrandingEditor(props: &BrandingEditorProps) -> Html {
    let (loaded, _) = use_resource(props.id, |token, id| async move {
        let all = brandings::list(token).await?;
        all.into_iter()
            .find(|b| b.id == id)
            .ok_or(api::Error::Unexpected)
    });
    // The latest saved version: starts as loaded, replaced by each answer.
    let current = use_state(|| None::<Branding>);
    let branding = (*current)
        .clone()
        .or_else(|| loaded.data.as_deref().cloned());
    let on_saved = {
        let current = current.clone();
        Callback::from(move |b: Branding| current.set(Some(b)))
    };
    html! {
        <Dialog id="branding-editor" title="Edit Branding" wide=true on_close={props.on_close.clone()}>
            <ErrorAlert id="branding-load-error" error={loaded.error.clone()} />
            if let Some(b) = branding {
                <NameForm branding={b.clone()} on_saved={on_saved.clone()} />
                <Files branding={b.clone()} on_saved={on_saved.clone()} />
                <UploadForm branding={b} {on_saved} />
            }
            <div class="form-actions">
                <button id="branding-editor-done" type="button" class="button button-secondary"
                    onclick={let c = props.on_close.clone(); move |_: MouseEvent| c.emit(())}>
                    { "Done" }
                </button>
            </div>
        </Dialog>
    }
}

#[derive(Properties, PartialEq)]
struct PartProps {
    branding: Branding,
    on_saved: Callback<Branding>,
}

/// Name and default flag.
#[function_component]
fn NameForm(props: &PartProps) -> Html {
    let name = use_state(|| props.branding.name.clone());
    let is_default = use_state(|| props.branding.is_default);
    let save: Action = use_action();
    let saved = use_state(|| false);
    let onsubmit = {
        let (name, is_default, save, saved) = (
            name.clone(),
            is_default.clone(),
            save.clone(),
            saved.clone(),
        );
        let (id, on_saved) = (props.branding.id, props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let patch = BrandingPatch {
                name: Some(name.trim().to_string()),
                is_default: Some(*is_default),
            };
            let (saved, on_saved) = (saved.clone(), on_saved.clone());
            save.run(
                move |token| async move { brandings::update(&token, id, &patch).await },
                move |b| {
                    saved.set(true);
                    on_saved.emit(b);
                },
            );
        })
    };
    let toggle = {
        let is_default = is_default.clone();
        Callback::from(move |_: Event| is_default.set(!*is_default))
    };
    html! {
        <form class="form section" {onsubmit}>
            <div class="field">
                <label for="branding-edit-name">{ "Name" }</label>
                <input id="branding-edit-name" type="text" required=true maxlength="40"
                    value={(*name).clone()} oninput={bind_input(&name)} aria-describedby="branding-edit-name-count" />
                <Counter id="branding-edit-name-count" value={(*name).clone()} max={40} />
                <ErrorText id="branding-edit-name-error" error={for_codes(save.error(), NAME_CODES)} />
            </div>
            <div class="check">
                <input id="branding-edit-default" type="checkbox" checked={*is_default} onchange={toggle} />
                <label for="branding-edit-default">{ "Default branding" }</label>
            </div>
            <ErrorAlert id="branding-edit-error" error={except_codes(save.error(), NAME_CODES)} />
            <div class="form-actions">
                if *saved { <span class="saved" role="status">{ "Saved." }</span> }
                <button id="branding-edit-save" type="submit" class="button button-primary">{ "Save" }</button>
            </div>
        </form>
    }
}

/// The stored files, with previews and Remove.
#[function_component]
fn Files(props: &PartProps) -> Html {
    let remove_file: Action = use_action();
    let b = &props.branding;
    let remove = {
        let (remove_file, on_saved, id) = (remove_file.clone(), props.on_saved.clone(), b.id);
        Callback::from(move |name: String| {
            let on_saved = on_saved.clone();
            remove_file.run(
                move |token| async move { brandings::delete_file(&token, id, &name).await },
                move |b| on_saved.emit(b),
            );
        })
    };
    html! {
        <section class="section" aria-labelledby="branding-files-title">
            <h3 id="branding-files-title">{ "Files" }</h3>
            if b.files.is_empty() {
                <p class="muted">{ "No files yet." }</p>
            } else {
                <ul id="branding-files" class="file-list">
                    { for b.files.iter().map(|f| {
                        let remove = { let (remove, name) = (remove.clone(), f.name.clone());
                            Callback::from(move |_: MouseEvent| remove.emit(name.clone())) };
                        html! {
                            <li class="file">
                                if is_image(&f.name) {
                                    <StoredImage branding={b.id} name={f.name.clone()} sha256={f.sha256.clone()} />
                                }
                                <span class="file-name">{ &f.name }</span>
                                <span class="muted small">{ size(f.size.max(0) as u64) }</span>
                                <button type="button" class="button button-small button-danger"
                                    aria-label={format!("Remove {}", f.name)} onclick={remove}>{ "Remove" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            <ErrorAlert id="branding-files-error" error={remove_file.error().clone()} />
        </section>
    }
}

/// Pick a file, see it, name it, upload it.
#[function_component]
fn UploadForm(props: &PartProps) -> Html {
    let file = use_state(|| None::<File>);
    let preview = use_state(|| None::<Rc<ObjectUrl>>);
    let name = use_state(String::new);
    let upload: Action = use_action();
    let input = use_node_ref();

    let onchange = {
        let (file, preview, name) = (file.clone(), preview.clone(), name.clone());
        Callback::from(move |e: Event| {
            let picked = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|files| files.get(0));
            if let Some(f) = &picked {
                name.set(f.name());
                preview.set(
                    is_image(&f.name())
                        .then(|| ObjectUrl::new(f))
                        .flatten()
                        .map(Rc::new),
                );
            } else {
                preview.set(None);
            }
            file.set(picked);
        })
    };
    let onsubmit = {
        let (file, preview, name, upload, input) = (
            file.clone(),
            preview.clone(),
            name.clone(),
            upload.clone(),
            input.clone(),
        );
        let (id, on_saved) = (props.branding.id, props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(f) = (*file).clone() else {
                return;
            };
            let file_name = name.trim().to_string();
            let (file, preview, on_saved, input) = (
                file.clone(),
                preview.clone(),
                on_saved.clone(),
                input.clone(),
            );
            upload.run(
                move |token| async move {
                    brandings::put_file(&token, id, &file_name, &f, &f.type_()).await
                },
                move |b| {
                    file.set(None);
                    preview.set(None);
                    if let Some(i) = input.cast::<HtmlInputElement>() {
                        i.set_value("");
                    }
                    on_saved.emit(b);
                },
            );
        })
    };
    const NAME: &[&str] = &["invalid_file_name"];
    html! {
        <form class="form section" {onsubmit}>
            <h3>{ "Upload a File" }</h3>
            <div class="field">
                <label for="branding-file">{ "File" }</label>
                <input id="branding-file" type="file" ref={input} {onchange} />
            </div>
            if let Some(u) = &*preview {
                <img id="branding-file-preview" class="preview" src={u.0.clone()} alt="Preview of the chosen file" />
            }
            <div class="field">
                <label for="branding-file-name">{ "Save as" }</label>
                <input id="branding-file-name" type="text" maxlength="100" required=true
                    value={(*name).clone()} oninput={bind_input(&name)} aria-describedby="branding-file-name-count" />
                <Counter id="branding-file-name-count" value={(*name).clone()} max={100} />
                <ErrorText id="branding-file-name-error" error={for_codes(upload.error(), NAME)} />
            </div>
            <ErrorAlert id="branding-upload-error" error={except_codes(upload.error(), NAME)} />
            <div class="form-actions">
                <button id="branding-upload" type="submit" class="button button-primary"
                    disabled={upload.busy() || file.is_none()}>
                    { if upload.busy() { "Uploading…" } else { "Upload" } }
                </button>
            </div>
        </form>
    }
}
