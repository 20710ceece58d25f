//! Upload CSV: a file whose first column is the MAC (an optional header names `server`,
//! `branding` and `firmware` columns), the Server/Branding/Firmware for every row, a dry run
//! that lists the bad lines without writing, and a progress bar while the file goes up.
//!
//! The separator (comma, semicolon, tab) is detected by the service and said in the verdict.
//! "Import the valid lines" is an explicit choice: then the bad lines are left out, listed,
//! and downloadable as a CSV file to fix and upload again; the dialog stays open to offer it.

use rcs_shared::{ImportQuery, ImportResult, InvalidCsv, SkippedLine};
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use super::edit::{PropertySelects, PROPERTY_CODES};
use crate::components::dialog::Dialog;
use crate::components::errors::{except_codes, for_codes, ErrorAlert, ErrorText};
use crate::components::options::{parse_id, Choices};
use crate::hooks::{use_action, Action, ActionError};
use crate::services::api;
use crate::services::download;
use crate::services::upload::{self, ImportError};

#[derive(Properties, PartialEq)]
pub struct ImportProps {
    pub choices: Choices,
    pub on_close: Callback<()>,
    pub on_done: Callback<(String, bool)>,
}

/// Where the upload stands, as [`Outcome`] shows it.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Idle,
    /// Sending; the share of the file sent so far.
    Sending {
        dry_run: bool,
        sent: f64,
    },
    /// A dry run's verdict (the file is good, or its bad lines would be skipped).
    Checked(ImportResult),
    /// An import that left bad lines out or found repeated MACs: shown before closing.
    Imported(ImportResult),
    Failed(ImportError),
}

impl Stage {
    /// Where the upload stands: sending while the action runs, else its failure, else the
    /// last dry run's verdict.
    fn of(
        import: &Action<ImportError>,
        progress: (bool, f64),
        checked: &Option<ImportResult>,
    ) -> Stage {
        match (import.busy(), import.error(), checked) {
            (true, _, _) => Stage::Sending {
                dry_run: progress.0,
                sent: progress.1,
            },
            (false, Some(e), _) => Stage::Failed(e.clone()),
            (false, None, Some(r)) if r.dry_run => Stage::Checked(r.clone()),
            (false, None, Some(r)) => Stage::Imported(r.clone()),
            (false, None, None) => Stage::Idle,
        }
    }
}

impl ActionError for ImportError {
    fn as_api(&self) -> Option<&api::Error> {
        match self {
            ImportError::Other(e) => Some(e),
            ImportError::Lines(_) => None,
        }
    }
}

/// The Upload CSV dialog.
#[function_component]
pub fn ImportDialog(props: &ImportProps) -> Html {
    let file = use_state(|| None::<File>);
    let server = use_state(String::new);
    let branding = use_state(String::new);
    let firmware = use_state(String::new);
    let import: Action<ImportError> = use_action();
    let skip_invalid = use_state(|| false);
    // While sending: whether it is a dry run, and the share of the file sent so far.
    let progress = use_state(|| (false, 0.0));
    // The last dry run's verdict on the chosen file.
    let checked = use_state(|| None::<ImportResult>);
    let missing_file = use_state(|| false);

    let onchange = {
        let (file, import, checked, missing_file) = (
            file.clone(),
            import.clone(),
            checked.clone(),
            missing_file.clone(),
        );
        Callback::from(move |e: Event| {
            let picked = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0));
            missing_file.set(false);
            import.clear_error();
            checked.set(None);
            file.set(picked);
        })
    };
    let on_skip = {
        let (skip_invalid, checked) = (skip_invalid.clone(), checked.clone());
        Callback::from(move |e: Event| {
            let on = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            checked.set(None);
            skip_invalid.set(on);
        })
    };
    let send = |dry_run: bool| {
        let (file, server, branding, firmware, skip_invalid) = (
            file.clone(),
            server.clone(),
            branding.clone(),
            firmware.clone(),
            *skip_invalid,
        );
        let (import, progress, checked, missing_file, on_done) = (
            import.clone(),
            progress.clone(),
            checked.clone(),
            missing_file.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(f) = (*file).clone() else {
                missing_file.set(true);
                return;
            };
            let query = ImportQuery {
                server_id: parse_id(&server),
                branding_id: parse_id(&branding),
                firmware: (!firmware.is_empty()).then(|| (*firmware).clone()),
                dry_run: Some(dry_run),
                skip_invalid: Some(skip_invalid),
                separator: None,
            };
            progress.set((dry_run, 0.0));
            checked.set(None);
            let on_progress = {
                let progress = progress.clone();
                Callback::from(move |sent: f64| progress.set((dry_run, sent)))
            };
            let (checked, on_done) = (checked.clone(), on_done.clone());
            import.run(
                |token| async move { upload::import(&token, &f, &query, on_progress).await },
                move |r| {
                    if r.dry_run || r.skipped_total > 0 || r.repeated_total > 0 {
                        // Kept open: the verdict, or what was left out, to read or download.
                        checked.set(Some(r));
                    } else {
                        on_done.emit((imported_message(&r), false));
                    }
                },
            );
        })
    };
    let stage = Stage::of(&import, *progress, &checked);
    let cancel = {
        let (on_close, on_done, stage) =
            (props.on_close.clone(), props.on_done.clone(), stage.clone());
        Callback::from(move |_: MouseEvent| match &stage {
            // The import is done: closing reports it (and refreshes the list).
            Stage::Imported(r) => on_done.emit((imported_message(r), false)),
            _ => on_close.emit(()),
        })
    };
    let done = matches!(stage, Stage::Imported(_));
    let sending = import.busy();
    // An error about the file shows under the file field, one about a property under its
    // select, anything else (and the list of bad lines) below them.
    let api_error = import.error().as_ref().and_then(|e| e.as_api().cloned());
    let file_error = if *missing_file {
        Some("Choose a CSV file first.".to_string())
    } else {
        for_codes(&api_error, FILE_CODES)
    };

    html! {
        <Dialog id="import-dialog" title="Upload CSV" wide=true on_close={props.on_close.clone()}>
            <p class="muted small">
                { "First column: the MAC address. An optional header row may name server, branding and firmware columns, which override the choices below for their rows. Cells may be separated by commas, semicolons or tabs. " }
                <a href={TEMPLATE_HREF} download="phones-template.csv">{ "Download a template" }</a>
            </p>
            <div class="field">
                <label for="import-file">{ "File to Upload" }</label>
                <input id="import-file" type="file" accept=".csv,text/csv,text/plain" {onchange}
                    aria-invalid={file_error.is_some().to_string()} aria-describedby="import-file-error" />
                <ErrorText id="import-file-error" error={file_error} />
            </div>
            <PropertySelects prefix="import" choices={props.choices.clone()} unchanged=false
                server={server.clone()} branding={branding.clone()} firmware={firmware.clone()}
                error={api_error} />
            <div class="check">
                <input id="import-skip-invalid" type="checkbox" checked={*skip_invalid} onchange={on_skip}
                    aria-describedby="import-skip-invalid-help" />
                <label for="import-skip-invalid">{ "Import the valid lines and skip the others" }</label>
            </div>
            <p id="import-skip-invalid-help" class="muted small">
                { "Otherwise a file with any bad line is not imported at all. Skipped lines can be downloaded to fix and upload again." }
            </p>
            <Outcome stage={stage.clone()} />
            <div class="form-actions">
                <button id="import-cancel" type="button" class="button button-secondary" onclick={cancel}>
                    { if done { "Close" } else { "Cancel" } }
                </button>
                if !done {
                    <button id="import-check" type="button" class="button button-secondary" disabled={sending}
                        onclick={send(true)}>{ "Check File" }</button>
                    <button id="import-submit" type="button" class="button button-primary" disabled={sending}
                        onclick={send(false)}>{ "Upload" }</button>
                }
            </div>
        </Dialog>
    }
}

/// The codes of errors about the uploaded file itself (too large, empty, not text, absent).
const FILE_CODES: &[&str] = &[
    "payload_too_large",
    "invalid_csv",
    "missing_file",
    "invalid_body",
];

#[derive(Properties, PartialEq)]
struct OutcomeProps {
    stage: Stage,
}

/// Progress, the dry run's verdict, or what went wrong (bad lines by line number).
#[function_component]
fn Outcome(props: &OutcomeProps) -> Html {
    match &props.stage {
        Stage::Idle => html! {},
        Stage::Sending { dry_run, sent } => {
            let percent = (sent * 100.0).round().clamp(0.0, 100.0);
            let label = match (dry_run, percent >= 100.0) {
                (_, false) => format!("Uploading… {percent}%"),
                (true, true) => "Checking…".to_string(),
                (false, true) => "Importing…".to_string(),
            };
            html! {
                <div class="progress-block" role="status">
                    <label for="import-progress">{ label }</label>
                    <progress id="import-progress" max="100" value={percent.to_string()}>
                        { format!("{percent}%") }
                    </progress>
                </div>
            }
        }
        Stage::Checked(r) => {
            let verdict = if r.skipped_total == 0 {
                format!("The file is valid: {} phone(s) would be added and {} updated. Press Upload to import it.", r.added, r.updated)
            } else {
                format!("{} phone(s) would be added and {} updated; {} bad line(s) would be skipped. Press Upload to import the valid lines.", r.added, r.updated, r.skipped_total)
            };
            html! {
                <div id="import-checked" role="status">
                    <p class="alert alert-success">{ verdict }</p>
                    { details(r) }
                </div>
            }
        }
        Stage::Imported(r) => html! {
            <div id="import-done" role="status">
                <p class="alert alert-success">{ imported_message(r) }</p>
                { details(r) }
            </div>
        },
        Stage::Failed(ImportError::Lines(invalid)) => problems(invalid),
        Stage::Failed(ImportError::Other(e)) => html! {
            <ErrorAlert id="import-error"
                error={except_codes(&Some(e.clone()), &[FILE_CODES, PROPERTY_CODES].concat())} />
        },
    }
}

/// The verdict's particulars: the separator read, skipped lines (with a download), and
/// repeated MACs.
fn details(r: &ImportResult) -> Html {
    let skipped = r.skipped.clone();
    let download = Callback::from(move |_: MouseEvent| {
        let _ = download::save_csv(&skipped_csv(&skipped), "skipped-lines.csv");
    });
    html! {
        <>
            <p id="import-separator" class="muted small">
                { format!("Cells were read as {}-separated.", r.separator.label()) }
            </p>
            if r.skipped_total > 0 {
                <div id="import-skipped" class="problems">
                    <p>
                        { format!("{} bad line(s) skipped{}. ", r.skipped_total,
                            if (r.skipped.len() as u64) < r.skipped_total { format!(" (the first {} are listed)", r.skipped.len()) } else { String::new() }) }
                        <button id="import-skipped-download" type="button" class="button button-secondary button-small"
                            onclick={download}>{ "Download skipped lines (CSV)" }</button>
                    </p>
                    { line_table(r.skipped.iter().map(|s| (s.line, s.message.as_str()))) }
                </div>
            }
            if r.repeated_total > 0 {
                <div id="import-repeated" class="problems">
                    <p>{ format!("{} MAC address(es) appear on several lines; the last line of each is used.", r.repeated_total) }</p>
                    { line_table(r.repeated.iter().map(|p| (p.line, p.message.as_str()))) }
                </div>
            }
        </>
    }
}

/// The skipped lines as a file to fix and upload again: each line as it was, then its line
/// number and problem (RFC 4180 quoting).
fn skipped_csv(lines: &[SkippedLine]) -> String {
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut out = String::from("line,content,problem\r\n");
    for s in lines {
        out.push_str(&format!(
            "{},{},{}\r\n",
            s.line,
            quote(&s.text),
            quote(&s.message)
        ));
    }
    out
}

fn imported_message(r: &ImportResult) -> String {
    match r.skipped_total {
        0 => format!("Imported {} new phone(s), updated {}.", r.added, r.updated),
        n => format!(
            "Imported {} new phone(s), updated {}; skipped {n} bad line(s).",
            r.added, r.updated
        ),
    }
}

/// The file's template: the header row the import reads (as GET
/// /api/v1/phones/import/template answers it), as a link needing no token.
const TEMPLATE_HREF: &str = "data:text/csv;charset=utf-8,mac%2Cserver%2Cbranding%2Cfirmware%0A";

fn line_table<'a>(rows: impl Iterator<Item = (u64, &'a str)>) -> Html {
    html! {
        <div class="table-wrap problems-table">
            <table class="table compact">
                <thead><tr><th scope="col" class="num">{ "Line" }</th><th scope="col">{ "Problem" }</th></tr></thead>
                <tbody>
                    { for rows.map(|(line, message)| html! {
                        <tr><td class="num">{ line }</td><td>{ message }</td></tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn problems(invalid: &InvalidCsv) -> Html {
    html! {
        <div id="import-problems" class="problems" role="alert">
            <p class="alert alert-error">{ &invalid.message }</p>
            <div class="table-wrap problems-table">
                <table class="table compact">
                    <thead><tr><th scope="col" class="num">{ "Line" }</th><th scope="col">{ "Problem" }</th></tr></thead>
                    <tbody>
                        { for invalid.problems.iter().map(|p| html! {
                            <tr><td class="num">{ p.line }</td><td>{ &p.message }</td></tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </div>
    }
}
