//! Rebuild when the web UI changes: release builds embed `web/dist` in the binary.
fn main() {
    println!("cargo:rerun-if-changed=../web/dist");
}
