//! `subexec version FILE`: a runtime's version (embedded sections, else `Core_version`).

use crate::output::out;
use std::path::PathBuf;

use clap::Args;
use subexec_executor::{Executor, RuntimeVersion};

use subexec_cli::text::one_line;

use crate::failure::{Failure, Outcome};
use crate::source;

/// `subexec version` arguments.
#[derive(Args)]
pub struct VersionArgs {
    /// Runtime blob, a raw chain spec or a state database directory (its `:code`).
    file: PathBuf,
    /// Fuel budget of `Core_version` (nested version reads included).
    #[arg(long, value_name = "N", default_value = subexec_cli::limits::DEFAULT_VERSION_FUEL_ARG)]
    fuel: u64,
}

/// Runs `subexec version`.
pub fn run(args: VersionArgs) -> Outcome {
    let version = read_version(&source::blob(&args.file)?, args.fuel)?;
    out!("{}", describe(&version));
    Ok(())
}

/// Loads `code` (host functions it lacks become stubs: the version needs none of them) and
/// reads its version within `fuel`.
pub fn read_version(code: &[u8], fuel: u64) -> Outcome<RuntimeVersion> {
    let executor = Executor::builder()
        .allow_missing_host_functions(true)
        .fuel(Some(fuel))
        .build();
    let runtime = executor
        .load(code)
        .map_err(|e| Failure::input("cannot load the runtime", e))?;
    runtime.version().map_err(Failure::version)
}

/// The version, one field a line (the names escaped: the runtime chose them).
pub fn describe(version: &RuntimeVersion) -> String {
    let mut text = format!(
        "spec_name:           {}\nimpl_name:           {}\nauthoring_version:   {}\nspec_version:        {}\nimpl_version:        {}\ntransaction_version: {}\nsystem_version:      {}\napis:\n",
        one_line(&version.spec_name),
        one_line(&version.impl_name),
        version.authoring_version,
        version.spec_version,
        version.impl_version,
        version.transaction_version,
        version.system_version
    );
    for (id, api_version) in &version.apis {
        text.push_str(&format!("  0x{} version {api_version}\n", hex::encode(id)));
    }
    text
}
