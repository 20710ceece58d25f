//! The `rcs` command: the service and the operator's tools.
#![forbid(unsafe_code)]

/// jemalloc instead of glibc's malloc: glibc keeps what an import freed (a node that imported
/// a 17 MB file stayed at 120 MB idle for good), jemalloc's background thread gives it back
/// to the system within seconds. Measured with `bench/experiments/import-memory`; the numbers
/// are in BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Without its background thread jemalloc purges only when the program allocates, so an
    // idle node would keep its peak; failing to start it costs memory, never correctness.
    let _ = tikv_jemalloc_ctl::background_thread::write(true);
    rcs::cli::run().await
}
