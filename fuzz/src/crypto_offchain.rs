//! `crypto_offchain`: the signature, keystore and offchain host functions, called through the
//! executor with a keystore ([`MemoryKeystore`]) and an offchain context ([`InMemoryOffchain`])
//! lent by [`CallOptions`].
//!
//! The runtime is a framed raw-host-call interpreter
//! ([`raw_host_calls::interpreter_wat_for`]) importing only the `ext_crypto_*` and
//! `ext_offchain_*` functions (classic ABI); the harness turns the input ([`Op`]s from
//! `arbitrary`) into records whose pointers point at real material laid out after the
//! records: public keys and signatures made with `sp-core` 43 by three known signers per
//! scheme, then damaged (a flipped bit in the signature, the key or the message, another
//! signer's key, bytes of the fuzzer's choice); keystore calls on known, generated and unknown
//! keys; offchain calls with arguments of the fuzzer's choice behind valid pointers; and raw
//! records with arbitrary argument values.
//!
//! Checked: no crash; two runs (fresh keystore and offchain context each) give byte-identical
//! outcomes and offchain states; every single-signature verification of a call that succeeds
//! returns what `sp-io` 49's implementation returns (`sp_core` 43's `Pair::verify`, `verify_deprecated`,
//! `verify_prehashed`: ed25519 without `UseDalekExt`, i.e. ed25519-zebra), whatever the damage.

use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use parity_scale_codec::Encode;
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use subexec_executor::{CallError, CallOptions, Runtime};
use subexec_host_functions::{HostFunction, HostMode, InMemoryOffchain, MemoryKeystore, Scheme};

use crate::outcome;
use crate::raw_host_calls::{interpreter_wat_for, INPUT_AT, RECORD_LEN, SLOTS};
use crate::smith::functions_for;

/// The interpreter's functions: every classic `ext_crypto_*` and `ext_offchain_*` function.
pub fn functions() -> &'static [HostFunction] {
    static FUNCTIONS: OnceLock<Vec<HostFunction>> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        functions_for(HostMode::Classic)
            .into_iter()
            .filter(|f| {
                f.name().starts_with("ext_crypto_") || f.name().starts_with("ext_offchain_")
            })
            .collect()
    })
}

fn runtime() -> Runtime {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    let wasm = WASM.get_or_init(|| {
        wat::parse_str(interpreter_wat_for(HostMode::Classic, functions(), true))
            .expect("the interpreter is valid wat")
    });
    outcome::executor()
        .load(wasm)
        .expect("the interpreter imports registry functions with their own signatures")
}

fn index_of(function: HostFunction) -> u8 {
    functions()
        .iter()
        .position(|f| *f == function)
        .expect("an imported function") as u8
}

/// The secret URIs of the known signers (the first two are in the keystore under `babe`):
/// raw hex seeds, which derive without the mnemonic's 2 048 PBKDF2 rounds (with `//Alice`
/// the keystore setup alone made the target run at one input per second).
pub const SIGNERS: [&str; 3] = [
    "0x0101010101010101010101010101010101010101010101010101010101010101",
    "0x0202020202020202020202020202020202020202020202020202020202020202",
    "0x0303030303030303030303030303030303030303030303030303030303030303",
];
/// Key types the keystore calls use.
const KEY_TYPES: [[u8; 4]; 3] = [*b"babe", *b"gran", *b"imon"];

/// A signature check the harness can predict.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyKind {
    /// `ext_crypto_ed25519_verify_version_1`.
    Ed25519,
    /// `ext_crypto_sr25519_verify_version_1` (`verify_deprecated`).
    Sr25519V1,
    /// `ext_crypto_sr25519_verify_version_2`.
    Sr25519V2,
    /// `ext_crypto_ecdsa_verify_version_1` (`verify_deprecated`).
    EcdsaV1,
    /// `ext_crypto_ecdsa_verify_version_2`.
    EcdsaV2,
    /// `ext_crypto_ecdsa_verify_prehashed_version_1`.
    EcdsaPrehashed,
    /// `ext_crypto_ed25519_batch_verify_version_1` (fails the call, as in sp-io 49: it
    /// re-enters the externalities).
    Ed25519Batch,
    /// `ext_crypto_sr25519_batch_verify_version_1` (result not predicted).
    Sr25519Batch,
    /// `ext_crypto_ecdsa_batch_verify_version_1` (result not predicted).
    EcdsaBatch,
}

impl VerifyKind {
    fn function(self) -> HostFunction {
        match self {
            VerifyKind::Ed25519 => HostFunction::CryptoEd25519VerifyV1,
            VerifyKind::Sr25519V1 => HostFunction::CryptoSr25519VerifyV1,
            VerifyKind::Sr25519V2 => HostFunction::CryptoSr25519VerifyV2,
            VerifyKind::EcdsaV1 => HostFunction::CryptoEcdsaVerifyV1,
            VerifyKind::EcdsaV2 => HostFunction::CryptoEcdsaVerifyV2,
            VerifyKind::EcdsaPrehashed => HostFunction::CryptoEcdsaVerifyPrehashedV1,
            VerifyKind::Ed25519Batch => HostFunction::CryptoEd25519BatchVerifyV1,
            VerifyKind::Sr25519Batch => HostFunction::CryptoSr25519BatchVerifyV1,
            VerifyKind::EcdsaBatch => HostFunction::CryptoEcdsaBatchVerifyV1,
        }
    }

    fn scheme(self) -> Scheme {
        match self {
            VerifyKind::Ed25519 | VerifyKind::Ed25519Batch => Scheme::Ed25519,
            VerifyKind::Sr25519V1 | VerifyKind::Sr25519V2 | VerifyKind::Sr25519Batch => {
                Scheme::Sr25519
            }
            _ => Scheme::Ecdsa,
        }
    }
}

/// How a real signature is damaged before it is checked.
#[derive(Arbitrary, Debug, Clone)]
pub enum Damage {
    /// Left as signed.
    None,
    /// One byte of the signature xored with a non-zero mask.
    Signature(u8, u8),
    /// One byte of the public key.
    Public(u8, u8),
    /// One byte of the message (or of the prehash).
    Message(u8, u8),
    /// Another known signer's public key.
    OtherSigner(u8),
    /// The signature replaced by the fuzzer's bytes (padded with zeros).
    RawSignature(Vec<u8>),
    /// The public key replaced by the fuzzer's bytes.
    RawPublic(Vec<u8>),
}

/// An argument of a [`Op::Call`] record.
#[derive(Arbitrary, Debug, Clone)]
pub enum Arg {
    /// The value as it is.
    Int(u64),
    /// A fat pointer to these bytes.
    Bytes(Vec<u8>),
    /// A thin pointer to these bytes.
    Pointer(Vec<u8>),
    /// A fat pointer to the SCALE encoding of these byte strings (request headers, node lists).
    Scale(Vec<Vec<u8>>),
    /// A thin pointer to a key type.
    KeyType(u8),
    /// A thin pointer to a known signer's public key.
    Signer(u8, u8),
}

/// One step.
#[derive(Arbitrary, Debug, Clone)]
pub enum Op {
    /// A real signature, damaged, checked by a verification function.
    Verify {
        /// Which function.
        kind: VerifyKind,
        /// Which signer.
        signer: u8,
        /// The message (at most 300 bytes used).
        message: Vec<u8>,
        /// The damage.
        damage: Damage,
    },
    /// `ext_crypto_start_batch_verify_version_1`.
    StartBatch,
    /// `ext_crypto_finish_batch_verify_version_1`.
    FinishBatch,
    /// A recovery function on a real ECDSA signature of a 32-byte hash, damaged.
    Recover {
        /// 0–3: recover v1, v2, compressed v1, compressed v2.
        function: u8,
        /// Which signer.
        signer: u8,
        /// The message hashed with blake2-256.
        message: Vec<u8>,
        /// The damage.
        damage: Damage,
    },
    /// Any crypto or offchain function (by index) with arguments behind valid pointers.
    Call {
        /// Index into [`functions`] (modulo their number).
        function: u8,
        /// Up to [`SLOTS`] arguments.
        args: Vec<Arg>,
    },
}

/// The input of one interpreter call being built: records, then their data.
struct Program {
    records: Vec<Vec<u8>>,
    data: Vec<u8>,
    /// For each record, the result a verification must return, if predicted.
    expected: Vec<Option<bool>>,
}

/// The input's records count is known once they are all built; data addresses depend on it,
/// so data is laid out at a fixed distance after the largest program.
const DATA_AT: u32 = INPUT_AT + 8 + 4 + MAX_OPS as u32 * RECORD_LEN;
/// Operations per input, at most.
pub const MAX_OPS: usize = 64;

impl Program {
    fn put(&mut self, bytes: &[u8]) -> u32 {
        let at = DATA_AT + self.data.len() as u32;
        self.data.extend_from_slice(bytes);
        at
    }

    fn fat(&mut self, bytes: &[u8]) -> u64 {
        u64::from(self.put(bytes)) | ((bytes.len() as u64) << 32)
    }

    fn record(&mut self, function: HostFunction, args: &[u64], expected: Option<bool>) {
        let mut record = vec![index_of(function)];
        for slot in 0..SLOTS {
            record.extend_from_slice(&args.get(slot).copied().unwrap_or(0).to_le_bytes());
        }
        self.records.push(record);
        self.expected.push(expected);
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = (self.records.len() as u32).to_le_bytes().to_vec();
        for record in &self.records {
            out.extend_from_slice(record);
        }
        // Pad up to where the data is addressed.
        out.resize((DATA_AT - INPUT_AT - 8) as usize, 0);
        out.extend_from_slice(&self.data);
        out
    }
}

/// Known signer `index` (modulo 3) of `scheme`, derived once per process.
fn signer(scheme: Scheme, index: u8) -> &'static Signer {
    static SIGNER_PAIRS: OnceLock<Vec<[Signer; 3]>> = OnceLock::new();
    let pairs = SIGNER_PAIRS.get_or_init(|| {
        [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa]
            .into_iter()
            .map(|scheme| {
                SIGNERS.map(|uri| match scheme {
                    Scheme::Ed25519 => {
                        Signer::Ed25519(ed25519::Pair::from_string(uri, None).expect("uri"))
                    }
                    Scheme::Sr25519 => {
                        Signer::Sr25519(sr25519::Pair::from_string(uri, None).expect("uri"))
                    }
                    Scheme::Ecdsa => {
                        Signer::Ecdsa(ecdsa::Pair::from_string(uri, None).expect("uri"))
                    }
                })
            })
            .collect()
    });
    let scheme = match scheme {
        Scheme::Ed25519 => 0,
        Scheme::Sr25519 => 1,
        Scheme::Ecdsa => 2,
    };
    &pairs[scheme][usize::from(index) % SIGNERS.len()]
}

#[allow(clippy::large_enum_variant)]
enum Signer {
    Ed25519(ed25519::Pair),
    Sr25519(sr25519::Pair),
    Ecdsa(ecdsa::Pair),
}

impl Signer {
    fn public(&self) -> Vec<u8> {
        match self {
            Signer::Ed25519(p) => p.public().0.to_vec(),
            Signer::Sr25519(p) => p.public().0.to_vec(),
            Signer::Ecdsa(p) => p.public().0.to_vec(),
        }
    }

    fn sign(&self, message: &[u8], prehashed: bool) -> Vec<u8> {
        match self {
            Signer::Ed25519(p) => p.sign(message).0.to_vec(),
            Signer::Sr25519(p) => p.sign(message).0.to_vec(),
            Signer::Ecdsa(p) if prehashed => p
                .sign_prehashed(&<[u8; 32]>::try_from(message).expect("a 32-byte hash"))
                .0
                .to_vec(),
            Signer::Ecdsa(p) => p.sign(message).0.to_vec(),
        }
    }
}

fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = bytes.len().min(N);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// What `sp-io` 49 returns for `kind` on these bytes (`None`: not predicted).
fn reference(kind: VerifyKind, signature: &[u8], message: &[u8], public: &[u8]) -> Option<bool> {
    Some(match kind {
        VerifyKind::Ed25519 => ed25519::Pair::verify(
            &ed25519::Signature::from_raw(fixed(signature)),
            message,
            &ed25519::Public::from_raw(fixed(public)),
        ),
        VerifyKind::Sr25519V1 => sr25519::Pair::verify_deprecated(
            &sr25519::Signature::from_raw(fixed(signature)),
            message,
            &sr25519::Public::from_raw(fixed(public)),
        ),
        VerifyKind::Sr25519V2 => sr25519::Pair::verify(
            &sr25519::Signature::from_raw(fixed(signature)),
            message,
            &sr25519::Public::from_raw(fixed(public)),
        ),
        #[allow(deprecated)]
        VerifyKind::EcdsaV1 => ecdsa::Pair::verify_deprecated(
            &ecdsa::Signature::from_raw(fixed(signature)),
            message,
            &ecdsa::Public::from_raw(fixed(public)),
        ),
        VerifyKind::EcdsaV2 => ecdsa::Pair::verify(
            &ecdsa::Signature::from_raw(fixed(signature)),
            message,
            &ecdsa::Public::from_raw(fixed(public)),
        ),
        VerifyKind::EcdsaPrehashed => ecdsa::Pair::verify_prehashed(
            &ecdsa::Signature::from_raw(fixed(signature)),
            &fixed(message),
            &ecdsa::Public::from_raw(fixed(public)),
        ),
        _ => return None,
    })
}

/// A real signature with its key and message, damaged.
fn damaged(
    scheme: Scheme,
    signer_index: u8,
    message: Vec<u8>,
    prehashed: bool,
    damage: &Damage,
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let signer_pair = signer(scheme, signer_index);
    let mut signature = signer_pair.sign(&message, prehashed);
    let mut public = signer_pair.public();
    let mut message = message;
    let flip = |bytes: &mut Vec<u8>, at: u8, mask: u8| {
        if !bytes.is_empty() {
            let i = usize::from(at) % bytes.len();
            bytes[i] ^= mask.max(1);
        }
    };
    match damage {
        Damage::None => {}
        Damage::Signature(at, mask) => flip(&mut signature, *at, *mask),
        Damage::Public(at, mask) => flip(&mut public, *at, *mask),
        Damage::Message(at, mask) => flip(&mut message, *at, *mask),
        Damage::OtherSigner(other) => {
            public = signer(scheme, signer_index ^ other.max(&1)).public()
        }
        Damage::RawSignature(bytes) => signature = fixed::<65>(bytes).to_vec(),
        Damage::RawPublic(bytes) => public = fixed::<33>(bytes).to_vec(),
    }
    signature.truncate(scheme.signature_len());
    signature.resize(scheme.signature_len(), 0);
    public.truncate(scheme.public_len());
    public.resize(scheme.public_len(), 0);
    (signature, public, message)
}

/// The program of `ops`.
fn program(ops: &[Op]) -> Program {
    let mut p = Program {
        records: Vec::new(),
        data: Vec::new(),
        expected: Vec::new(),
    };
    for op in ops.iter().take(MAX_OPS) {
        match op {
            Op::Verify {
                kind,
                signer,
                message,
                damage,
            } => {
                let prehashed = *kind == VerifyKind::EcdsaPrehashed;
                let message = if prehashed {
                    crate::outcome::digest(message).to_vec()
                } else {
                    message[..message.len().min(300)].to_vec()
                };
                let (signature, public, message) =
                    damaged(kind.scheme(), *signer, message, prehashed, damage);
                let expected = reference(*kind, &signature, &message, &public);
                let sig_at = u64::from(p.put(&signature));
                let public_at = u64::from(p.put(&public));
                let message_arg = if prehashed {
                    u64::from(p.put(&fixed::<32>(&message)))
                } else {
                    p.fat(&message)
                };
                p.record(kind.function(), &[sig_at, message_arg, public_at], expected);
            }
            Op::StartBatch => p.record(HostFunction::CryptoStartBatchVerifyV1, &[], None),
            Op::FinishBatch => p.record(HostFunction::CryptoFinishBatchVerifyV1, &[], None),
            Op::Recover {
                function,
                signer,
                message,
                damage,
            } => {
                let hash = crate::outcome::digest(message).to_vec();
                let (signature, _, hash) = damaged(Scheme::Ecdsa, *signer, hash, true, damage);
                let function = match function % 4 {
                    0 => HostFunction::CryptoSecp256k1EcdsaRecoverV1,
                    1 => HostFunction::CryptoSecp256k1EcdsaRecoverV2,
                    2 => HostFunction::CryptoSecp256k1EcdsaRecoverCompressedV1,
                    _ => HostFunction::CryptoSecp256k1EcdsaRecoverCompressedV2,
                };
                let sig_at = u64::from(p.put(&signature));
                let hash_at = u64::from(p.put(&fixed::<32>(&hash)));
                p.record(function, &[sig_at, hash_at], None);
            }
            Op::Call { function, args } => {
                let function = functions()[usize::from(*function) % functions().len()];
                let values: Vec<u64> = args
                    .iter()
                    .take(SLOTS)
                    .map(|arg| match arg {
                        Arg::Int(v) => *v,
                        Arg::Bytes(bytes) => p.fat(&bytes[..bytes.len().min(512)]),
                        Arg::Pointer(bytes) => u64::from(p.put(&bytes[..bytes.len().min(128)])),
                        Arg::Scale(items) => {
                            let items: Vec<&[u8]> = items
                                .iter()
                                .take(8)
                                .map(|i| &i[..i.len().min(64)])
                                .collect();
                            p.fat(&items.encode())
                        }
                        Arg::KeyType(k) => {
                            u64::from(p.put(&KEY_TYPES[usize::from(*k) % KEY_TYPES.len()]))
                        }
                        Arg::Signer(scheme, index) => {
                            let scheme = [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa]
                                [usize::from(*scheme) % 3];
                            u64::from(p.put(&self::signer(scheme, *index).public()))
                        }
                    })
                    .collect();
                p.record(function, &values, None);
            }
        }
    }
    p
}

/// A keystore with the first two signers of every scheme under `babe`.
fn keystore() -> Arc<MemoryKeystore> {
    let keystore = MemoryKeystore::new();
    for scheme in [Scheme::Ed25519, Scheme::Sr25519, Scheme::Ecdsa] {
        for uri in &SIGNERS[..2] {
            keystore
                .insert(scheme, KEY_TYPES[0], uri)
                .expect("a valid secret URI");
        }
    }
    Arc::new(keystore)
}

/// One run on fresh contexts: the canonical outcome, the offchain state and the output.
fn run_once(runtime: &Runtime, input: &[u8]) -> (Vec<u8>, Vec<u8>, Result<Vec<u8>, String>) {
    let offchain = Arc::new(InMemoryOffchain::new(1_700_000_000_000).with_seed([7; 32]));
    let options = CallOptions {
        keystore: Some(keystore()),
        offchain: Some(offchain.clone()),
        ..CallOptions::default()
    };
    let mut storage = subexec_executor::empty_storage();
    let result = runtime.call_with(&mut storage, crate::raw_host_calls::ENTRY, input, &options);
    if let Err(
        error @ (CallError::EnginePanicked { .. }
        | CallError::HostFunctionPanicked { .. }
        | CallError::RuntimePoisoned { .. }),
    ) = &result
    {
        panic!("{error}");
    }
    let output = match &result {
        Ok(o) => Ok(o.output.clone()),
        Err(error) => Err(error.to_string()),
    };
    let canonical = outcome::encode_call(&result, &storage.changes());
    (
        canonical,
        format!("{:?}", offchain.snapshot()).into_bytes(),
        output,
    )
}

/// The operations of an input.
pub fn parse(data: &[u8]) -> Vec<Op> {
    let mut u = Unstructured::new(data);
    let mut ops = Vec::new();
    while ops.len() < MAX_OPS && !u.is_empty() {
        match Op::arbitrary(&mut u) {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    ops
}

/// The target.
pub fn run(data: &[u8]) {
    let _ = run_ops(&parse(data));
}

/// Runs `ops` twice and checks the module's properties; returns the results of the records,
/// or the call's error text, for tests.
pub fn run_ops(ops: &[Op]) -> Result<Vec<u64>, String> {
    let program = program(ops);
    let input = program.bytes();
    let runtime = runtime();
    let first = run_once(&runtime, &input);
    let second = run_once(&runtime, &input);
    assert!(
        first.0 == second.0,
        "non-deterministic call: digests {:02x?} vs {:02x?}",
        outcome::digest(&first.0),
        outcome::digest(&second.0)
    );
    assert!(first.1 == second.1, "the offchain states differ");
    let output = first.2?;
    let results: Vec<u64> = output
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    assert_eq!(
        results.len(),
        program.records.len(),
        "one result per record"
    );
    for (index, (result, expected)) in results.iter().zip(&program.expected).enumerate() {
        if let Some(expected) = expected {
            assert_eq!(
                *result,
                u64::from(*expected),
                "record {index} ({:?}): subexec and sp-core disagree",
                ops.get(index)
            );
        }
    }
    Ok(results)
}
