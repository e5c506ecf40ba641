//! The `nqpsim` binary: parse the command line, run it, exit with its code.

use clap::Parser;

fn main() {
    // clap exits with code 2 on bad usage and 0 on --help/--version.
    let cli = nqpsim::cli::Cli::parse();
    std::process::exit(nqpsim::cli::run(cli));
}
