//! `subexec upgrade-check OLD NEW`: whether NEW may replace OLD under the rules a chain applies
//! (`subexec_cli::upgrade`), and how the two differ: versions, runtime APIs, host
//! functions each needs that subexec lacks, ABI mode.

use crate::output::{out, outln};
use std::collections::BTreeMap;
use std::path::PathBuf;
use subexec_cli::text::one_line;

use clap::Args;
use subexec_cli::upgrade::check_upgrade;
use subexec_executor::Executor;

use crate::failure::{Failure, Kind, Outcome};
use crate::inspect::{inspect, Info};
use crate::source;

/// `subexec upgrade-check` arguments.
#[derive(Args)]
pub struct UpgradeCheckArgs {
    /// The running runtime (blob, raw chain spec or state database directory).
    old: PathBuf,
    /// The candidate (blob, raw chain spec or state database directory).
    new: PathBuf,
    /// Fuel budget of each `Core_version` call (nested version reads included).
    #[arg(long, value_name = "N", default_value = subexec_cli::limits::DEFAULT_VERSION_FUEL_ARG)]
    fuel: u64,
}

fn field(text: &mut String, name: &str, old: impl ToString, new: impl ToString) {
    // Names and versions come from the runtimes: escaped.
    let (old, new) = (
        one_line(&old.to_string()).into_owned(),
        one_line(&new.to_string()).into_owned(),
    );
    let mark = if old == new { " " } else { "*" };
    text.push_str(&format!("{mark} {name:<20} {old:<28} {new}\n"));
}

/// Runs `subexec upgrade-check`; a refused upgrade exits with code 1.
pub fn run(args: UpgradeCheckArgs) -> Outcome {
    let (old_code, new_code) = (source::blob(&args.old)?, source::blob(&args.new)?);
    let (old, new) = (
        inspect(&old_code, args.fuel)?,
        inspect(&new_code, args.fuel)?,
    );
    out!("{}", compare(&old, &new));
    let old_version = old
        .version
        .as_ref()
        .map_err(|e| Failure::new(Kind::Runtime, format!("cannot read OLD's version: {e}")))?;
    // Missing host functions are reported above; the check itself links them as stubs.
    let executor = Executor::builder()
        .allow_missing_host_functions(true)
        .fuel(Some(args.fuel))
        .build();
    match check_upgrade(&executor, old_version, &new_code) {
        Ok(_) => {
            outln!("verdict: upgrade allowed");
            Ok(())
        }
        Err(refusal) => {
            outln!("verdict: upgrade refused");
            Err(Failure::caused(Kind::Other, "upgrade refused", refusal))
        }
    }
}

/// The side-by-side comparison (`*` marks a difference).
pub fn compare(old: &Info, new: &Info) -> String {
    let mut text = format!("  {:<20} {:<28} NEW\n", "", "OLD");
    match (&old.version, &new.version) {
        (Ok(o), Ok(n)) => {
            field(&mut text, "spec_name", &o.spec_name, &n.spec_name);
            field(&mut text, "impl_name", &o.impl_name, &n.impl_name);
            field(&mut text, "spec_version", o.spec_version, n.spec_version);
            field(&mut text, "impl_version", o.impl_version, n.impl_version);
            field(
                &mut text,
                "authoring_version",
                o.authoring_version,
                n.authoring_version,
            );
            field(
                &mut text,
                "transaction_version",
                o.transaction_version,
                n.transaction_version,
            );
            field(
                &mut text,
                "system_version",
                o.system_version,
                n.system_version,
            );
            let mut apis: BTreeMap<[u8; 8], (Option<u32>, Option<u32>)> = BTreeMap::new();
            for (id, v) in &o.apis {
                apis.entry(*id).or_default().0 = Some(*v);
            }
            for (id, v) in &n.apis {
                apis.entry(*id).or_default().1 = Some(*v);
            }
            let show = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
            for (id, (o, n)) in apis {
                field(
                    &mut text,
                    &format!("api 0x{}", hex::encode(id)),
                    show(o),
                    show(n),
                );
            }
        }
        (o, n) => {
            let show = |v: &Result<subexec_executor::RuntimeVersion, String>| match v {
                Ok(v) => format!("{} {}", v.spec_name, v.spec_version),
                Err(e) => format!("unreadable ({e})"),
            };
            field(&mut text, "version", show(o), show(n));
        }
    }
    field(&mut text, "mode", &old.mode, &new.mode);
    field(
        &mut text,
        "code hash",
        short(&old.code_hash),
        short(&new.code_hash),
    );
    field(
        &mut text,
        "missing host fns",
        old.missing_host_functions.len(),
        new.missing_host_functions.len(),
    );
    for (who, info) in [("OLD", old), ("NEW", new)] {
        if !info.missing_host_functions.is_empty() {
            text.push_str(&format!(
                "{who} needs host functions subexec lacks: {}\n",
                info.missing_host_functions.join(", ")
            ));
        }
    }
    text
}

fn short(hash: &[u8; 32]) -> String {
    format!("0x{}…", hex::encode(&hash[..8]))
}
