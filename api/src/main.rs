//! The `rcs` command: the service and the operator's tools.
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> std::process::ExitCode {
    rcs::cli::run().await
}
