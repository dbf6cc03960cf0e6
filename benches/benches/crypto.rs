//! Signature verification through the host call vs the bare crate call, side by side.
//!
//! `host` is one `invoke` of `ext_crypto_{ed25519_verify_version_1, sr25519_verify_version_2,
//! ecdsa_verify_version_2}` on a `Vec`-backed linear memory holding the signature, a 256-byte
//! message and the public key: argument checks, copies out of guest memory, the check, the
//! `i32` result. `crate` is the same check made directly with the crate (ed25519-zebra,
//! schnorrkel, secp256k1 with Blake2-256 of the message), on bytes already in host memory. The
//! difference is the host-call overhead (figures in `docs/PERFORMANCE.md`).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use subexec_allocator::VecMemory;
use subexec_host_functions::memory_access::pack_ptr_len;
use subexec_host_functions::storage::InMemoryBackend;
use subexec_host_functions::{
    digest, invoke, HashAlgorithm, HostFunction, HostState, StorageState, Value,
};

const MESSAGE: [u8; 256] = [0x5a; 256];
const SIG_PTR: u32 = 16;
const MSG_PTR: u32 = 128;
const PUB_PTR: u32 = 512;

/// A memory holding `signature`, [`MESSAGE`] and `public`, and the verify call's arguments.
fn guest(signature: &[u8], public: &[u8]) -> (HostState, VecMemory, [Value; 3]) {
    let mut memory = VecMemory::new(2, Some(2));
    for (at, bytes) in [
        (SIG_PTR, signature),
        (MSG_PTR, &MESSAGE[..]),
        (PUB_PTR, public),
    ] {
        memory.data[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }
    let state = HostState::new(
        4096,
        StorageState::new(Arc::new(InMemoryBackend::default())),
    );
    let args = [
        Value::I32(SIG_PTR as i32),
        Value::I64(pack_ptr_len(MSG_PTR, MESSAGE.len() as u32)),
        Value::I32(PUB_PTR as i32),
    ];
    (state, memory, args)
}

fn host_call(
    c: &mut Criterion,
    name: &str,
    function: HostFunction,
    signature: &[u8],
    public: &[u8],
) {
    let (mut state, mut memory, args) = guest(signature, public);
    assert_eq!(
        invoke(function, &mut state, &mut memory, &args),
        Ok(Some(Value::I32(1))),
        "{name}: the signature verifies"
    );
    c.bench_function(&format!("crypto_verify/{name}/host"), |b| {
        b.iter(|| invoke(function, &mut state, &mut memory, black_box(&args)))
    });
}

fn ed25519(c: &mut Criterion) {
    let key = ed25519_zebra::SigningKey::from([7u8; 32]);
    let public: [u8; 32] = ed25519_zebra::VerificationKey::from(&key).into();
    let signature: [u8; 64] = key.sign(&MESSAGE).into();
    c.bench_function("crypto_verify/ed25519/crate", |b| {
        b.iter(|| {
            let public = ed25519_zebra::VerificationKey::try_from(&black_box(public)[..]).unwrap();
            let signature = ed25519_zebra::Signature::from_bytes(black_box(&signature));
            public.verify(&signature, black_box(&MESSAGE)).is_ok()
        })
    });
    host_call(
        c,
        "ed25519",
        HostFunction::CryptoEd25519VerifyV1,
        &signature,
        &public,
    );
}

fn sr25519(c: &mut Criterion) {
    let pair = schnorrkel::MiniSecretKey::from_bytes(&[7u8; 32])
        .unwrap()
        .expand_to_keypair(schnorrkel::ExpansionMode::Ed25519);
    let public = pair.public.to_bytes();
    let signature = pair.sign_simple(b"substrate", &MESSAGE).to_bytes();
    c.bench_function("crypto_verify/sr25519/crate", |b| {
        b.iter(|| {
            let signature = schnorrkel::Signature::from_bytes(black_box(&signature)).unwrap();
            let public = schnorrkel::PublicKey::from_bytes(black_box(&public)).unwrap();
            public
                .verify_simple(b"substrate", black_box(&MESSAGE), &signature)
                .is_ok()
        })
    });
    host_call(
        c,
        "sr25519",
        HostFunction::CryptoSr25519VerifyV2,
        &signature,
        &public,
    );
}

fn ecdsa(c: &mut Criterion) {
    use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
    let secret = secp256k1::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let public = secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &secret).serialize();
    let hash: [u8; 32] = digest(HashAlgorithm::Blake2256, &MESSAGE)
        .try_into()
        .unwrap();
    let (id, compact) = secp256k1::SECP256K1
        .sign_ecdsa_recoverable(&secp256k1::Message::from_digest(hash), &secret)
        .serialize_compact();
    let mut signature = [0u8; 65];
    signature[..64].copy_from_slice(&compact);
    signature[64] = id.to_i32() as u8;
    c.bench_function("crypto_verify/ecdsa/crate", |b| {
        b.iter(|| {
            let signature = black_box(&signature);
            let hash: [u8; 32] = digest(HashAlgorithm::Blake2256, black_box(&MESSAGE))
                .try_into()
                .unwrap();
            let id = RecoveryId::from_i32(i32::from(signature[64])).unwrap();
            let parsed = RecoverableSignature::from_compact(&signature[..64], id).unwrap();
            let recovered = secp256k1::SECP256K1
                .recover_ecdsa(&secp256k1::Message::from_digest(hash), &parsed)
                .unwrap();
            recovered.serialize() == public
        })
    });
    host_call(
        c,
        "ecdsa",
        HostFunction::CryptoEcdsaVerifyV2,
        &signature,
        &public,
    );
}

criterion_group!(benches, ed25519, sr25519, ecdsa);
criterion_main!(benches);
