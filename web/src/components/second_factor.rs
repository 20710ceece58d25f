//! Pieces of two-factor login that the login page and the preferences share: what to scan
//! into an authenticator app, and the recovery codes shown once.

use rcs_shared::SecondFactorEnrolment;
use yew::prelude::*;

/// The QR code as an `<img>` source. The server renders it as SVG; as an image (not inline
/// markup) it can run nothing, and the page's Content-Security-Policy already allows `data:`
/// images, so no policy is loosened for it.
fn qr_source(svg: &str) -> String {
    let encoded = web_sys::window()
        .and_then(|w| w.btoa(svg).ok())
        .unwrap_or_default();
    format!("data:image/svg+xml;base64,{encoded}")
}

#[derive(Properties, PartialEq)]
pub struct AppSetupProps {
    pub enrolment: SecondFactorEnrolment,
}

/// The QR code to scan, and the secret to type in by hand where scanning is not possible.
#[function_component]
pub fn AppSetup(props: &AppSetupProps) -> Html {
    let enrolment = &props.enrolment;
    html! {
        <div class="second-factor-setup">
            <p>{ "Scan this QR code with an authenticator app (such as FreeOTP, Aegis, \
                  Google Authenticator or 1Password), then enter the code it shows." }</p>
            <img id="second-factor-qr" class="qr" src={qr_source(&enrolment.qr_svg)}
                width="200" height="200"
                alt="QR code with the two-factor secret, for an authenticator app" />
            <p class="hint">
                { "Cannot scan? Enter this key in the app (time-based, 6 digits): " }
                <code id="second-factor-secret" class="mono break">{ &enrolment.secret }</code>
            </p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct RecoveryCodeListProps {
    pub codes: Vec<String>,
}

/// The recovery codes, with what they are for. They are shown this once.
#[function_component]
pub fn RecoveryCodeList(props: &RecoveryCodeListProps) -> Html {
    html! {
        <div class="recovery">
            <p id="recovery-codes-notice" class="alert alert-warning" role="status">
                { "Two-factor login is on. Save these recovery codes somewhere safe: each one \
                   logs you in once if you lose your phone. They are not shown again." }
            </p>
            <ul id="recovery-codes" class="recovery-codes mono">
                { for props.codes.iter().map(|c| html! { <li>{ c }</li> }) }
            </ul>
        </div>
    }
}
