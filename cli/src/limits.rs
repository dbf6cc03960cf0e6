//! The command line's default bounds: every subcommand that runs guest code meters it, so a
//! hostile runtime, block or conformance vector ends with `out of fuel` instead of running
//! forever. What fuel pays for is the executor's cost model (`docs/LIMITS.md`); the budgets
//! below are per call and can be raised with `--fuel N`.

/// Fuel budget of each call and each block (`run`, `import-blocks`, `execute-block`,
/// `conformance` vectors without their own budget, `compare`): 2·10¹⁰, far above what real
/// blocks use (Westend's first 128 blocks take at most 1.5·10⁶ each) and a few tens of seconds
/// of interpretation on the project's machines.
pub const DEFAULT_CALL_FUEL: u64 = 20_000_000_000;

/// [`DEFAULT_CALL_FUEL`] as a command-line default.
pub const DEFAULT_CALL_FUEL_ARG: &str = "20000000000";

/// Fuel budget of reading a runtime's version with `Core_version` (`version`, `inspect`,
/// `upgrade-check`), nested version reads included: 10⁹, ten thousand times what real
/// runtimes use (node-template's and Westend's `Core_version` take under 10⁵).
pub const DEFAULT_VERSION_FUEL: u64 = 1_000_000_000;

/// [`DEFAULT_VERSION_FUEL`] as a command-line default.
pub const DEFAULT_VERSION_FUEL_ARG: &str = "1000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_spell_the_constants() {
        assert_eq!(DEFAULT_CALL_FUEL_ARG.parse::<u64>(), Ok(DEFAULT_CALL_FUEL));
        assert_eq!(
            DEFAULT_VERSION_FUEL_ARG.parse::<u64>(),
            Ok(DEFAULT_VERSION_FUEL)
        );
    }
}
