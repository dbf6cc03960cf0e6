//! The compiled-code cache: one entry per code hash, bounded.

mod common;

use subexec_executor::{blake2_256, Executor};

#[test]
fn one_entry_per_code_hash_and_bounded() {
    let a = common::runtime_wasm();
    let b = wat::parse_str(common::runtime_wat("(func $unused)")).unwrap();
    let executor = Executor::builder().cache_capacity(1).build();
    let rt_a = executor.load(&a).unwrap();
    assert_eq!(rt_a.code_hash(), blake2_256(&a));
    executor.load(&a).unwrap();
    assert_eq!(executor.cached_runtimes(), 1);
    let rt_b = executor.load(&b).unwrap();
    assert_eq!(executor.cached_runtimes(), 1);
    assert_ne!(rt_a.code_hash(), rt_b.code_hash());
    // Evicted code stays usable through the handles that hold it.
    assert_eq!(common::call(&rt_a, "echo", b"a").unwrap().output, b"a");
    assert_eq!(common::call(&rt_b, "echo", b"b").unwrap().output, b"b");
    let roomy = Executor::default();
    roomy.load(&a).unwrap();
    roomy.load(&b).unwrap();
    assert_eq!(roomy.cached_runtimes(), 2);
}
