//! The `rcs` command: the service and the operator's tools.
#![forbid(unsafe_code)]

use tikv_jemalloc_ctl::{Access, AsName};

/// jemalloc instead of glibc's malloc: glibc keeps what an import freed (a node that imported
/// a 17 MB file stayed at 120 MB idle for good), jemalloc's background thread gives it back
/// to the system within seconds. Measured with `bench/experiments/import-memory`; the numbers
/// are in BENCHMARKS.md. It is also the C code's malloc (the `unprefixed` feature in
/// api/Cargo.toml), so SQLite's page caches are given back the same way.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How long freed pages stay with jemalloc before they go back to the system, ms (its own
/// default is 10,000). A node's memory comes in bursts (an import's file and page cache, a
/// storm's connections); at ten seconds the next burst often started on top of the last one's
/// leftovers, which was most of the "before" of each import in the benchmark. One second
/// still lets a burst reuse its own pages.
const DECAY_MS: isize = 1_000;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Without its background thread jemalloc purges only when the program allocates, so an
    // idle node would keep its peak; failing to start it costs memory, never correctness.
    let _ = tikv_jemalloc_ctl::background_thread::write(true);
    // The default for arenas made from now on, then every arena made already (4096 is
    // jemalloc's "all arenas" index). Failing costs memory, never correctness.
    let _ = b"arenas.dirty_decay_ms\0".name().write(DECAY_MS);
    let _ = b"arena.4096.dirty_decay_ms\0".name().write(DECAY_MS);
    rcs::cli::run().await
}
