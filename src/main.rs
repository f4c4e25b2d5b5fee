//! The `dangjian` binary: hands the command line over to the library, with the web server.

/// mimalloc instead of the system allocator: an import and the statistics allocate many small
/// strings and rows, and glibc's malloc took a quarter of an import's time (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The composition root: the command line, given the web server to start for `serve` (the
/// two layers never import each other).
fn main() -> std::process::ExitCode {
    dangjian::cli::main(|db, deployment| Box::pin(dangjian::web::serve(db, deployment)))
}
