//! The `dangjian` binary: parses the command line and hands over to the library.

/// mimalloc instead of the system allocator: an import and the statistics allocate many small
/// strings and rows, and glibc's malloc took a quarter of an import's time (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dangjian::cli::main()
}
