//! Prints `ts/generated/constants.ts` (see the library's docs) on standard output.

use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    match trace_lineage_codegen::render() {
        Ok(module) => match std::io::stdout().lock().write_all(module.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("trace-lineage-codegen: cannot write the module: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("trace-lineage-codegen: {error:?}");
            ExitCode::FAILURE
        }
    }
}
