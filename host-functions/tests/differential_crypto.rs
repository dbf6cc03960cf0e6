//! Wire-level differential test of the `ext_crypto_*` functions against `sp-io` 49 itself.
//!
//! As in `differential_sp_io.rs`: `sp-io`'s own host functions run on a reference memory with
//! `sc-allocator` 39 inside `sp-state-machine`'s `Ext` (with an extension set, so batch
//! verification, `UseDalekExt` and `KeystoreExt` work as in a node); subexec's [`invoke`] runs
//! the same call on an identical memory. Each call must fail on both sides or succeed on both
//! with the same result and byte-identical memory afterwards (same allocations, same order).
//!
//! Inputs are real signatures made with `sp-core`, then damaged the ways an attacker would:
//! flipped bits, foreign keys, high-S and overflowing `r`/`s`, every recovery byte, small-order
//! and off-curve ed25519 keys, non-canonical `s`, pre-audit sr25519 signatures, empty and
//! 1 MiB messages, pointers past the end of memory.

#[path = "common/reference.rs"]
mod reference;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use parity_scale_codec::{Decode, Encode};
use proptest::prelude::*;
use reference::{panic_text, Reference};
use sp_core::{ecdsa, ed25519, sr25519, Blake2Hasher, Pair as _};
use sp_externalities::Extensions;
use sp_state_machine::{Ext, OverlayedChanges};
use sp_wasm_interface::{Function, HostFunctions};
use subexec_allocator::{ScMemory, VecMemory};
use subexec_host_functions::memory_access::pack_ptr_len;
use subexec_host_functions::storage::InMemoryBackend;
use subexec_host_functions::{invoke, HostFunction as F, HostState, StorageState, Value};

type SpBackend = sp_state_machine::InMemoryBackend<Blake2Hasher>;

const PAGE: usize = 65536;
/// Where inputs are laid out.
const ARENA_START: u32 = 16;

/// The secp256k1 group order `n`, big-endian.
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];
/// The ed25519 group order `L`, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Encodings of small-order (and some non-canonical or off-curve) ed25519 points.
const ED25519_WEAK_POINTS: [&str; 8] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    // y = p (non-canonical encoding of y = 0) and y = 2 (not on the curve).
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0200000000000000000000000000000000000000000000000000000000000000",
];

/// Signatures made by schnorrkel 0.1.1 (pre-audit), from `sp-core` 43's sr25519 tests:
/// (public key, message, signature).
const SR25519_PREAUDIT: [(&str, &[u8], &str); 2] = [
    (
        "b4bfa1f7a5166695eb75299fd1c4c03ea212871c342f2c5dfea0902b2c246918",
        b"Verifying that I am the owner of 5G9hQLdsKQswNPgB499DeA5PkFBbgkLPJWkkS6FAM6xGQ8xD. Hash: 221455a3\n",
        "5a9755f069939f45d96aaf125cf5ce7ba1db998686f87f2fb3cbdea922078741a73891ba265f70c31436e18a9acd14d189d73c12317ab6c313285cd938453202",
    ),
    (
        // The public key of the all-zero mini secret key.
        "",
        b"SUBSTRATE",
        "28a854d54903e056f89581c691c1f7d2ff39f8f896c9e9c22475e60902cc2b3547199e0e91fa32902028f2ca2355e8cdd16cfe19ba5e8b658c94aa80f3b81a00",
    ),
];

fn sp_io_function(name: &str) -> &'static dyn Function {
    <sp_io::SubstrateHostFunctions as HostFunctions>::host_functions()
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("{name} is not in sp-io 49"))
}

/// The reference externalities of one runtime call: one `Ext` serves every host call of a
/// sequence (extensions registered by a host function live as long as the `Ext`, as in a node).
pub struct Env {
    pub overlay: OverlayedChanges<Blake2Hasher>,
    pub backend: SpBackend,
    /// Extensions lent to the call (`UseDalekExt`, `KeystoreExt`).
    pub extensions: Extensions,
}

impl Default for Env {
    fn default() -> Self {
        let mut overlay = OverlayedChanges::default();
        overlay.enter_runtime().unwrap();
        Env {
            overlay,
            backend: SpBackend::default(),
            extensions: Extensions::new(),
        }
    }
}

impl Env {
    pub fn ext(&mut self) -> Ext<'_, Blake2Hasher, SpBackend> {
        Ext::new(&mut self.overlay, &self.backend, Some(&mut self.extensions))
    }
}

/// Both memories and host states of one call.
pub struct Sides {
    pub ours: HostState,
    pub our_memory: VecMemory,
    pub reference: Reference,
}

impl Sides {
    /// Lays `blobs` out from [`ARENA_START`] in a memory of `pages` pages; the heap starts after
    /// them. Returns the sides and each blob's (pointer, length).
    pub fn new(blobs: &[&[u8]], pages: u32) -> (Self, Vec<(u32, u32)>) {
        let mut memory = VecMemory::new(pages, Some(pages + 16));
        let mut at = ARENA_START;
        let mut places = Vec::new();
        for blob in blobs {
            memory.data[at as usize..at as usize + blob.len()].copy_from_slice(blob);
            places.push((at, blob.len() as u32));
            at += blob.len() as u32 + 1;
        }
        let heap_base = at + 8;
        let storage = StorageState::new(Arc::new(InMemoryBackend::default()));
        let sides = Sides {
            ours: HostState::new(heap_base, storage),
            our_memory: memory.clone(),
            reference: Reference {
                memory: ScMemory(memory),
                allocator: sc_allocator::FreeingBumpHeapAllocator::new(heap_base),
            },
        };
        (sides, places)
    }

    /// Runs `function` on both sides; returns (ours, sp-io's).
    pub fn call(
        &mut self,
        ext: &mut Ext<'_, Blake2Hasher, SpBackend>,
        function: F,
        args: &[Value],
    ) -> (Result<Option<Value>, String>, Result<Option<Value>, String>) {
        let theirs_fn = sp_io_function(function.name());
        let reference = &mut self.reference;
        let theirs = std::panic::catch_unwind(AssertUnwindSafe(|| {
            sp_externalities::set_and_run_with_externalities(ext, || {
                theirs_fn.execute(reference, &mut args.iter().copied())
            })
        }))
        .unwrap_or_else(|payload| Err(panic_text(payload)));
        let ours =
            invoke(function, &mut self.ours, &mut self.our_memory, args).map_err(|e| e.to_string());
        (ours, theirs)
    }

    /// Runs `function` on both sides and checks they agree, memory included; returns the
    /// (agreed) result, `None` if both failed.
    pub fn agree(
        &mut self,
        ext: &mut Ext<'_, Blake2Hasher, SpBackend>,
        function: F,
        args: &[Value],
    ) -> Result<Option<Option<Value>>, TestCaseError> {
        let (ours, theirs) = self.call(ext, function, args);
        prop_assert_eq!(
            ours.is_ok(),
            theirs.is_ok(),
            "{} {:?}: ours {:?}, sp-io {:?}",
            function.name(),
            args,
            ours,
            theirs
        );
        if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
            prop_assert_eq!(ours, theirs, "{} {:?}", function.name(), args);
        }
        self.same_memory(function)?;
        Ok(ours.ok())
    }

    pub fn same_memory(&self, function: F) -> Result<(), TestCaseError> {
        prop_assert!(
            self.our_memory.data == self.reference.memory.0.data,
            "memory differs after {}",
            function.name()
        );
        Ok(())
    }
}

fn hex32(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}

/// `a - b` for 256-bit big-endian numbers (wrapping).
fn sub_be(a: &[u8; 32], b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

/// `a + b` for 256-bit little-endian numbers (wrapping).
fn add_le(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Ed25519,
    Sr25519,
    Ecdsa,
}

/// How a genuine (signature, message, public key) is damaged.
#[derive(Clone, Debug)]
enum Damage {
    None,
    FlipSignature(usize),
    FlipMessage(usize),
    FlipPublic(usize),
    /// A key of another seed.
    OtherKey([u8; 32]),
    RandomSignature(Vec<u8>),
    RandomPublic(Vec<u8>),
    /// ecdsa: `s → n - s` with the recovery id's parity flipped (the malleated twin).
    HighS,
    /// ecdsa: `r` (false) or `s` (true) replaced by `n + k`, at or above the group order.
    Overflow(bool, u8),
    /// ecdsa: the recovery byte replaced.
    RecoveryByte(u8),
    /// ed25519: `s → s + L` (non-canonical scalar).
    NonCanonicalS,
    /// ed25519: public key and `R` from [`ED25519_WEAK_POINTS`], `s = 0`.
    WeakPoints(usize, usize),
    /// sr25519: one of [`SR25519_PREAUDIT`].
    PreAudit(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        2 => (0usize..520).prop_map(Damage::FlipSignature),
        2 => (0usize..4096).prop_map(Damage::FlipMessage),
        2 => (0usize..264).prop_map(Damage::FlipPublic),
        1 => any::<[u8; 32]>().prop_map(Damage::OtherKey),
        1 => proptest::collection::vec(any::<u8>(), 65).prop_map(Damage::RandomSignature),
        1 => proptest::collection::vec(any::<u8>(), 33).prop_map(Damage::RandomPublic),
        2 => Just(Damage::HighS),
        2 => (any::<bool>(), any::<u8>()).prop_map(|(s, k)| Damage::Overflow(s, k)),
        3 => prop_oneof![0u8..8, 25u8..33, any::<u8>()].prop_map(Damage::RecoveryByte),
        2 => Just(Damage::NonCanonicalS),
        2 => (0usize..8, 0usize..8).prop_map(|(a, r)| Damage::WeakPoints(a, r)),
        2 => (0usize..2).prop_map(Damage::PreAudit),
    ]
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => Just(Vec::new()),
        1 => (0usize..3).prop_map(|k| vec![0xa5; [PAGE, PAGE + 1, 1 << 20][k]]),
    ]
}

/// A genuine signature of `message` by the key of `seed`, then damaged.
fn sample(
    scheme: Scheme,
    seed: [u8; 32],
    mut message: Vec<u8>,
    damage: &Damage,
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut signature, mut public): (Vec<u8>, Vec<u8>) = match scheme {
        Scheme::Ed25519 => {
            let pair = ed25519::Pair::from_seed(&seed);
            (pair.sign(&message).0.to_vec(), pair.public().0.to_vec())
        }
        Scheme::Sr25519 => {
            let pair = sr25519::Pair::from_seed(&seed);
            (pair.sign(&message).0.to_vec(), pair.public().0.to_vec())
        }
        Scheme::Ecdsa => {
            let pair = ecdsa::Pair::from_seed_slice(&seed)
                .unwrap_or_else(|_| ecdsa::Pair::from_seed(&[1; 32]));
            (pair.sign(&message).0.to_vec(), pair.public().0.to_vec())
        }
    };
    let flip = |bytes: &mut Vec<u8>, bit: usize| {
        if !bytes.is_empty() {
            let bit = bit % (bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
    };
    match damage {
        Damage::None => {}
        Damage::FlipSignature(bit) => flip(&mut signature, *bit),
        Damage::FlipMessage(bit) => flip(&mut message, *bit),
        Damage::FlipPublic(bit) => flip(&mut public, *bit),
        Damage::OtherKey(other) => {
            let (_, _, other_public) = sample(scheme, *other, Vec::new(), &Damage::None);
            public = other_public;
        }
        Damage::RandomSignature(bytes) => {
            let len = signature.len();
            signature.copy_from_slice(&bytes[..len]);
        }
        Damage::RandomPublic(bytes) => {
            let len = public.len();
            public.copy_from_slice(&bytes[..len]);
        }
        Damage::HighS if scheme == Scheme::Ecdsa => {
            let s: [u8; 32] = signature[32..64].try_into().unwrap();
            signature[32..64].copy_from_slice(&sub_be(&SECP256K1_N, &s));
            signature[64] ^= 1;
        }
        Damage::Overflow(s, k) if scheme == Scheme::Ecdsa => {
            let mut value = SECP256K1_N;
            value[31] = value[31].wrapping_add(*k);
            if *k > 0xbe {
                value = [0xff; 32];
            }
            let at = if *s { 32 } else { 0 };
            signature[at..at + 32].copy_from_slice(&value);
        }
        Damage::RecoveryByte(v) if scheme == Scheme::Ecdsa => signature[64] = *v,
        Damage::NonCanonicalS if scheme == Scheme::Ed25519 => {
            let s = add_le(&signature[32..64], &ED25519_L);
            signature[32..64].copy_from_slice(&s);
        }
        Damage::WeakPoints(a, r) if scheme != Scheme::Ecdsa => {
            public = hex32(ED25519_WEAK_POINTS[*a]).to_vec();
            signature = [hex32(ED25519_WEAK_POINTS[*r]), [0; 32]].concat();
        }
        Damage::PreAudit(i) if scheme == Scheme::Sr25519 => {
            let (key, text, sig) = SR25519_PREAUDIT[*i];
            public = if key.is_empty() {
                sr25519::Pair::from_seed(&[0; 32]).public().0.to_vec()
            } else {
                hex::decode(key).unwrap()
            };
            message = text.to_vec();
            signature = hex::decode(sig).unwrap();
        }
        _ => {}
    }
    (signature, message, public)
}

fn functions(scheme: Scheme) -> &'static [F] {
    match scheme {
        Scheme::Ed25519 => &[F::CryptoEd25519VerifyV1, F::CryptoEd25519BatchVerifyV1],
        Scheme::Sr25519 => &[
            F::CryptoSr25519VerifyV1,
            F::CryptoSr25519VerifyV2,
            F::CryptoSr25519BatchVerifyV1,
        ],
        Scheme::Ecdsa => &[
            F::CryptoEcdsaVerifyV1,
            F::CryptoEcdsaVerifyV2,
            F::CryptoEcdsaVerifyPrehashedV1,
            F::CryptoEcdsaBatchVerifyV1,
            F::CryptoSecp256k1EcdsaRecoverV1,
            F::CryptoSecp256k1EcdsaRecoverV2,
            F::CryptoSecp256k1EcdsaRecoverCompressedV1,
            F::CryptoSecp256k1EcdsaRecoverCompressedV2,
        ],
    }
}

/// Which argument, if any, points past the end of memory.
fn out_of_bounds() -> impl Strategy<Value = Option<(usize, u32)>> {
    prop_oneof![12 => Just(None), 1 => (0usize..3, 0u32..70).prop_map(Some)]
}

fn blake2_256(data: &[u8]) -> [u8; 32] {
    subexec_host_functions::digest(subexec_host_functions::HashAlgorithm::Blake2256, data)
        .try_into()
        .unwrap()
}

/// Lays out one verification or recovery and returns the sides and the arguments.
fn setup(
    function: F,
    (signature, message, public): &(Vec<u8>, Vec<u8>, Vec<u8>),
    out_of_bounds: Option<(usize, u32)>,
    prehash_message: bool,
) -> (Sides, Vec<Value>) {
    let prehashed = matches!(
        function,
        F::CryptoEcdsaVerifyPrehashedV1
            | F::CryptoSecp256k1EcdsaRecoverV1
            | F::CryptoSecp256k1EcdsaRecoverV2
            | F::CryptoSecp256k1EcdsaRecoverCompressedV1
            | F::CryptoSecp256k1EcdsaRecoverCompressedV2
    );
    let message = if prehashed {
        // The genuine digest, or the first 32 bytes of the message (a wrong digest).
        if prehash_message {
            blake2_256(message).to_vec()
        } else {
            let mut m = message.clone();
            m.resize(32, 0);
            m
        }
    } else {
        message.clone()
    };
    let pages = (message.len() / PAGE + 2) as u32;
    let (sides, places) = Sides::new(&[signature, &message, public], pages);
    let memory_len = sides.our_memory.data.len() as u32;
    let mut args: Vec<Value> = function
        .params()
        .iter()
        .zip(&places)
        .map(|(ty, &(ptr, len))| match ty {
            sp_wasm_interface::ValueType::I64 => Value::I64(pack_ptr_len(ptr, len)),
            _ => Value::I32(ptr as i32),
        })
        .collect();
    if let Some((index, back)) = out_of_bounds {
        let index = index % args.len();
        let ptr = memory_len.saturating_sub(back);
        args[index] = match args[index] {
            Value::I64(fat) => Value::I64(pack_ptr_len(ptr, (fat as u64 >> 32) as u32)),
            _ => Value::I32(ptr as i32),
        };
    }
    (sides, args)
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![
        Just(Scheme::Ed25519),
        Just(Scheme::Sr25519),
        Just(Scheme::Ecdsa)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, .. ProptestConfig::default() })]

    /// Every verify and recover function, one call on fresh sides.
    #[test]
    fn verification_matches_sp_io(
        scheme in scheme(),
        pick in any::<usize>(),
        seed in any::<[u8; 32]>(),
        message in message(),
        damage in damage(),
        out_of_bounds in out_of_bounds(),
        prehash_message in proptest::bool::weighted(0.8),
        use_dalek in proptest::bool::weighted(0.3),
    ) {
        let list = functions(scheme);
        let function = list[pick % list.len()];
        let input = sample(scheme, seed, message, &damage);
        let (mut sides, args) = setup(function, &input, out_of_bounds, prehash_message);
        let mut env = Env::default();
        if use_dalek {
            sides.ours.set_use_dalek(true);
            env.extensions.register(sp_io::UseDalekExt);
        }
        sides.agree(&mut env.ext(), function, &args)?;
    }
}

/// Each genuine signature verifies, and each pre-audit signature verifies only with sr25519
/// version 1: the differential test would also pass if both sides rejected everything.
#[test]
fn genuine_signatures_verify_and_preaudit_only_in_version_1() {
    for scheme in [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa] {
        let input = sample(scheme, [7; 32], b"message".to_vec(), &Damage::None);
        for &function in functions(scheme) {
            let (mut sides, args) = setup(function, &input, None, true);
            let (ours, theirs) = sides.call(&mut Env::default().ext(), function, &args);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", function.name());
            assert_eq!(
                ours.as_ref().ok(),
                theirs.as_ref().ok(),
                "{}",
                function.name()
            );
            let expected_true = !matches!(
                function,
                F::CryptoEd25519BatchVerifyV1
                    | F::CryptoSecp256k1EcdsaRecoverV1
                    | F::CryptoSecp256k1EcdsaRecoverV2
                    | F::CryptoSecp256k1EcdsaRecoverCompressedV1
                    | F::CryptoSecp256k1EcdsaRecoverCompressedV2
            );
            if expected_true {
                assert_eq!(ours, Ok(Some(Value::I32(1))), "{}", function.name());
            }
            if function == F::CryptoEd25519BatchVerifyV1 {
                // sp-io 49 re-enters the externalities and panics: the call always fails.
                assert!(theirs.unwrap_err().contains("already borrowed"));
            }
        }
    }
    for i in 0..SR25519_PREAUDIT.len() {
        let input = sample(Scheme::Sr25519, [0; 32], Vec::new(), &Damage::PreAudit(i));
        for (function, valid) in [(F::CryptoSr25519VerifyV1, 1), (F::CryptoSr25519VerifyV2, 0)] {
            let (mut sides, args) = setup(function, &input, None, true);
            let (ours, theirs) = sides.call(&mut Env::default().ext(), function, &args);
            assert_eq!(ours, theirs);
            assert_eq!(ours, Ok(Some(Value::I32(valid))), "{}", function.name());
        }
    }
}

/// One step of a batch-verification sequence.
#[derive(Clone, Debug)]
enum Step {
    Start,
    Finish,
    /// A batch verify of `scheme`'s genuine (or damaged) signature.
    Verify(Scheme, bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::Start),
        2 => Just(Step::Finish),
        6 => (prop_oneof![4 => Just(Scheme::Sr25519), 4 => Just(Scheme::Ecdsa), 1 => Just(Scheme::Ed25519)], any::<bool>())
            .prop_map(|(scheme, valid)| Step::Verify(scheme, valid)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    /// `start_batch_verify` / `*_batch_verify` / `finish_batch_verify` sequences on one call:
    /// same results, same failures (double start, finish without start, ed25519), same memory.
    #[test]
    fn batch_verification_matches_sp_io(steps in proptest::collection::vec(step(), 1..12)) {
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        for scheme in [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa] {
            for damage in [Damage::None, Damage::FlipMessage(3)] {
                let (signature, message, public) = sample(scheme, [3; 32], b"batch".to_vec(), &damage);
                blobs.extend([signature, message, public]);
            }
        }
        let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        let (mut sides, places) = Sides::new(&refs, 2);
        let mut env = Env::default();
        let mut ext = env.ext();
        for step in steps {
            let (function, args) = match step {
                Step::Start => (F::CryptoStartBatchVerifyV1, Vec::new()),
                Step::Finish => (F::CryptoFinishBatchVerifyV1, Vec::new()),
                Step::Verify(scheme, valid) => {
                    let base = match scheme { Scheme::Ed25519 => 0, Scheme::Sr25519 => 6, Scheme::Ecdsa => 12 }
                        + if valid { 0 } else { 3 };
                    let function = functions(scheme).iter().copied()
                        .find(|f| f.name().contains("batch")).unwrap();
                    let (s, m, p) = (places[base], places[base + 1], places[base + 2]);
                    (function, vec![Value::I32(s.0 as i32), Value::I64(pack_ptr_len(m.0, m.1)), Value::I32(p.0 as i32)])
                }
            };
            // A failed host call traps: the sequence ends there.
            if sides.agree(&mut ext, function, &args)?.is_none() {
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keystore functions: sp-io with `KeystoreExt(sp_keystore::testing::MemoryKeystore)` against
// subexec with `MemoryKeystore`, both holding the same keys.

/// Key types, three per scheme. `sp_keystore::testing::MemoryKeystore` files keys by key type
/// only and re-derives a stored secret URI with whichever scheme is asked (so a URI valid for
/// sr25519 only, like `//Alice/soft`, makes its ecdsa listing panic); a real keystore keeps
/// schemes apart, as subexec's does. Distinct key types per scheme keep the reference sane.
const KEY_TYPES: [[u8; 4]; 9] = [
    *b"ed01", *b"ed02", *b"ed03", *b"sr01", *b"sr02", *b"sr03", *b"ec01", *b"ec02", *b"ec03",
];

/// The index in [`KEY_TYPES`] of `scheme`'s key type `kt`.
fn key_type(scheme: Scheme, kt: usize) -> usize {
    3 * match scheme {
        Scheme::Ed25519 => 0,
        Scheme::Sr25519 => 1,
        Scheme::Ecdsa => 2,
    } + kt
}

/// Secret URIs the keystores start with.
const INITIAL_URIS: [&str; 3] = [
    "//Alice",
    "twist sausage october vivid neglect swear crumble hawk beauty fabric egg fragile",
    "0x2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a",
];

/// Seeds passed to `*_generate`, SCALE `Option<Vec<u8>>`-encoded by the step: valid and invalid
/// secret URIs, soft junctions (refused by ed25519 and ecdsa), non-UTF-8 bytes.
const SEEDS: [&[u8]; 10] = [
    b"//Bob",
    b"//Alice//stash",
    b"//Alice/soft",
    b"//Alice///password",
    b"ethics love economy wage plunge boring stove escape enrich fork language material",
    b"0x0101010101010101010101010101010101010101010101010101010101010101",
    b"0x0102",
    b"not a phrase at all",
    b"",
    b"\xff\xfe",
];

fn key_scheme(scheme: Scheme) -> subexec_host_functions::Scheme {
    match scheme {
        Scheme::Ed25519 => subexec_host_functions::Scheme::Ed25519,
        Scheme::Sr25519 => subexec_host_functions::Scheme::Sr25519,
        Scheme::Ecdsa => subexec_host_functions::Scheme::Ecdsa,
    }
}

#[derive(Clone, Debug)]
enum KeyStep {
    PublicKeys(Scheme, usize),
    /// `*_generate` with `SEEDS[i]`, or an undecodable argument (`None`).
    Generate(Scheme, usize, Option<usize>),
    /// `*_generate(None)`: a random key; the keystores diverge, so the sequence ends.
    GenerateRandom(Scheme, usize),
    /// `*_sign` with an initial key (`Some(i)`) or an unknown one.
    Sign(Scheme, usize, Option<usize>, Vec<u8>),
    SignPrehashed(usize, Option<usize>, [u8; 32]),
}

fn key_step() -> impl Strategy<Value = KeyStep> {
    let kt = 0usize..3;
    let key = proptest::option::weighted(0.8, 0usize..INITIAL_URIS.len());
    prop_oneof![
        3 => (scheme(), kt.clone()).prop_map(|(s, k)| KeyStep::PublicKeys(s, k)),
        3 => (scheme(), kt.clone(), proptest::option::weighted(0.9, 0usize..SEEDS.len()))
            .prop_map(|(s, k, seed)| KeyStep::Generate(s, k, seed)),
        1 => (scheme(), kt.clone()).prop_map(|(s, k)| KeyStep::GenerateRandom(s, k)),
        4 => (scheme(), kt.clone(), key.clone(), proptest::collection::vec(any::<u8>(), 0..100))
            .prop_map(|(s, k, i, m)| KeyStep::Sign(s, k, i, m)),
        2 => (kt, key, any::<[u8; 32]>()).prop_map(|(k, i, m)| KeyStep::SignPrehashed(k, i, m)),
    ]
}

/// The public key of `INITIAL_URIS[i]`, or a key no keystore holds.
fn initial_public(scheme: Scheme, key: Option<usize>) -> Vec<u8> {
    let Some(i) = key else {
        return vec![0x02; if scheme == Scheme::Ecdsa { 33 } else { 32 }];
    };
    let uri = INITIAL_URIS[i];
    match scheme {
        Scheme::Ed25519 => ed25519::Pair::from_string(uri, None)
            .unwrap()
            .public()
            .0
            .to_vec(),
        Scheme::Sr25519 => sr25519::Pair::from_string(uri, None)
            .unwrap()
            .public()
            .0
            .to_vec(),
        Scheme::Ecdsa => ecdsa::Pair::from_string(uri, None)
            .unwrap()
            .public()
            .0
            .to_vec(),
    }
}

fn region(value: Option<Value>, len_if_pointer: usize) -> std::ops::Range<usize> {
    match value {
        Some(Value::I64(fat)) => {
            let (ptr, len) = subexec_host_functions::memory_access::unpack_ptr_len(fat);
            ptr as usize..ptr as usize + len as usize
        }
        Some(Value::I32(ptr)) => ptr as usize..ptr as usize + len_if_pointer,
        _ => 0..0,
    }
}

/// What may legitimately differ between the two sides after a keystore step.
enum Normalise {
    Nothing,
    /// Key order (Substrate's is a `HashMap`'s): compare as sets.
    KeyOrder(usize),
    /// A randomised sr25519 signature of `message` by `public`: ours must verify.
    Sr25519Signature(Vec<u8>, Vec<u8>),
    /// A random key of this many bytes.
    RandomKey(usize),
}

proptest! {
    // Few cases: deriving keys from phrases is deliberately slow (PBKDF2), and sp-keystore's
    // `MemoryKeystore` re-derives every key on every call.
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    /// Keystore-function sequences with and without a keystore: same successes and failures,
    /// same results (up to key order and sr25519's random nonces), same memory.
    #[test]
    fn keystore_functions_match_sp_io(
        with_keystore in proptest::bool::weighted(0.9),
        steps in proptest::collection::vec(key_step(), 1..10),
    ) {
        let theirs_store = Arc::new(sp_keystore::testing::MemoryKeystore::new());
        let ours_store = Arc::new(subexec_host_functions::MemoryKeystore::new());
        for scheme in [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa] {
            for kt in 0..3 {
                let key_type = KEY_TYPES[key_type(scheme, kt)];
                for uri in INITIAL_URIS {
                    use sp_keystore::Keystore as _;
                    let id = sp_core::crypto::KeyTypeId(key_type);
                    match scheme {
                        Scheme::Ed25519 => drop(theirs_store.ed25519_generate_new(id, Some(uri)).unwrap()),
                        Scheme::Sr25519 => drop(theirs_store.sr25519_generate_new(id, Some(uri)).unwrap()),
                        Scheme::Ecdsa => drop(theirs_store.ecdsa_generate_new(id, Some(uri)).unwrap()),
                    }
                    ours_store.insert(key_scheme(scheme), key_type, uri).unwrap();
                }
            }
        }
        // Every argument blob of every step, laid out once.
        let mut blobs: Vec<Vec<u8>> = KEY_TYPES.iter().map(|k| k.to_vec()).collect();
        let mut step_args: Vec<Vec<usize>> = Vec::new();
        for step in &steps {
            let mut push = |blob: Vec<u8>| { blobs.push(blob); blobs.len() - 1 };
            step_args.push(match step {
                KeyStep::PublicKeys(..) | KeyStep::GenerateRandom(..) => vec![],
                KeyStep::Generate(_, _, seed) => vec![push(match seed {
                    Some(i) => Some(SEEDS[*i].to_vec()).encode(),
                    None => vec![2],
                })],
                KeyStep::Sign(scheme, _, key, message) => {
                    vec![push(initial_public(*scheme, *key)), push(message.clone())]
                }
                KeyStep::SignPrehashed(_, key, message) => {
                    vec![push(initial_public(Scheme::Ecdsa, *key)), push(message.to_vec())]
                }
            });
        }
        blobs.push(None::<Vec<u8>>.encode());
        let none_seed = blobs.len() - 1;
        let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        let (mut sides, places) = Sides::new(&refs, 2);
        let mut env = Env::default();
        if with_keystore {
            env.extensions.register(sp_keystore::KeystoreExt::new(theirs_store.clone()));
            sides.ours.set_keystore(Some(ours_store.clone()));
        }
        let mut ext = env.ext();
        let ptr = |i: usize| Value::I32(places[i].0 as i32);
        let fat = |i: usize| Value::I64(pack_ptr_len(places[i].0, places[i].1));
        for (step, blob) in steps.iter().zip(&step_args) {
            let pick = |scheme: Scheme, functions: [F; 3]| match scheme {
                Scheme::Ed25519 => functions[0],
                Scheme::Sr25519 => functions[1],
                Scheme::Ecdsa => functions[2],
            };
            let (function, args, normalise) = match step {
                KeyStep::PublicKeys(scheme, kt) => (
                    pick(*scheme, [F::CryptoEd25519PublicKeysV1, F::CryptoSr25519PublicKeysV1, F::CryptoEcdsaPublicKeysV1]),
                    vec![ptr(key_type(*scheme, *kt))],
                    Normalise::KeyOrder(if *scheme == Scheme::Ecdsa { 33 } else { 32 }),
                ),
                KeyStep::Generate(scheme, kt, _) => (
                    pick(*scheme, [F::CryptoEd25519GenerateV1, F::CryptoSr25519GenerateV1, F::CryptoEcdsaGenerateV1]),
                    vec![ptr(key_type(*scheme, *kt)), fat(blob[0])],
                    Normalise::Nothing,
                ),
                KeyStep::GenerateRandom(scheme, kt) => (
                    pick(*scheme, [F::CryptoEd25519GenerateV1, F::CryptoSr25519GenerateV1, F::CryptoEcdsaGenerateV1]),
                    vec![ptr(key_type(*scheme, *kt)), fat(none_seed)],
                    Normalise::RandomKey(if *scheme == Scheme::Ecdsa { 33 } else { 32 }),
                ),
                KeyStep::Sign(scheme, kt, _, message) => (
                    pick(*scheme, [F::CryptoEd25519SignV1, F::CryptoSr25519SignV1, F::CryptoEcdsaSignV1]),
                    vec![ptr(key_type(*scheme, *kt)), ptr(blob[0]), fat(blob[1])],
                    if *scheme == Scheme::Sr25519 {
                        Normalise::Sr25519Signature(blobs[blob[0]].clone(), message.clone())
                    } else {
                        Normalise::Nothing
                    },
                ),
                KeyStep::SignPrehashed(kt, _, _) => (
                    F::CryptoEcdsaSignPrehashedV1,
                    vec![ptr(key_type(Scheme::Ecdsa, *kt)), ptr(blob[0]), ptr(blob[1])],
                    Normalise::Nothing,
                ),
            };
            let (ours, theirs) = sides.call(&mut ext, function, &args);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}: ours {:?}, sp-io {:?}", function.name(), ours, theirs);
            let Ok(result) = ours else { break };
            prop_assert_eq!(Ok(result), theirs.clone(), "{}", function.name());
            let ours_mem = &mut sides.our_memory.data;
            let theirs_mem = &mut sides.reference.memory.0.data;
            match normalise {
                Normalise::Nothing => {}
                Normalise::KeyOrder(len) => {
                    let range = region(result, 0);
                    // SCALE `Vec<[u8; len]>`: the count, then the keys; compared as sets.
                    let sorted = |bytes: &[u8]| {
                        let mut input = bytes;
                        let count = parity_scale_codec::Compact::<u32>::decode(&mut input).map(|c| c.0);
                        let mut keys: Vec<Vec<u8>> = input.chunks(len).map(<[u8]>::to_vec).collect();
                        keys.sort();
                        (count, keys)
                    };
                    prop_assert_eq!(sorted(&ours_mem[range.clone()]), sorted(&theirs_mem[range.clone()]));
                    theirs_mem[range.clone()].copy_from_slice(&ours_mem[range]);
                }
                Normalise::Sr25519Signature(public, message) => {
                    let range = region(result, 0);
                    if range.len() == 65 {
                        let signature = sr25519::Signature::from_raw(ours_mem[range.start + 1..range.end].try_into().unwrap());
                        let public = sr25519::Public::from_raw(public.try_into().unwrap());
                        prop_assert!(sr25519::Pair::verify(&signature, &message, &public));
                        theirs_mem[range.clone()].copy_from_slice(&ours_mem[range]);
                    }
                }
                Normalise::RandomKey(len) => {
                    let range = region(result, len);
                    theirs_mem[range.clone()].copy_from_slice(&ours_mem[range]);
                }
            }
            sides.same_memory(function)?;
            if matches!(step, KeyStep::GenerateRandom(..)) {
                break;
            }
        }
    }
}

/// The w3f keystore scenario in short: a generated key is listed and signs verifiably, and
/// without a keystore every keystore function fails naming itself.
#[test]
fn keystore_round_trip_and_missing_keystore() {
    let (mut sides, places) =
        Sides::new(&[b"dumy", &Some(b"//Alice".to_vec()).encode(), b"msg"], 2);
    let args = [
        Value::I32(places[0].0 as i32),
        Value::I64(pack_ptr_len(places[1].0, places[1].1)),
    ];
    let error = invoke(
        F::CryptoSr25519GenerateV1,
        &mut sides.ours,
        &mut sides.our_memory,
        &args,
    )
    .unwrap_err();
    assert_eq!(error.function, "ext_crypto_sr25519_generate_version_1");
    assert!(error.to_string().contains("No `keystore`"), "{error}");
    sides.ours.set_keystore(Some(
        Arc::new(subexec_host_functions::MemoryKeystore::new()),
    ));
    let Some(Value::I32(at)) = invoke(
        F::CryptoSr25519GenerateV1,
        &mut sides.ours,
        &mut sides.our_memory,
        &args,
    )
    .unwrap() else {
        panic!("generate returns a pointer")
    };
    let public = sides.our_memory.data[at as usize..at as usize + 32].to_vec();
    assert_eq!(
        public,
        sr25519::Pair::from_string("//Alice", None)
            .unwrap()
            .public()
            .0
    );
}
