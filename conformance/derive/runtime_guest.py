#!/usr/bin/env python3
"""Derives the expected values of the runtime-guest conformance vectors independently of subexec.

Nothing here runs subexec or the runtime: outputs and storage changes are computed from the
runtime's documented behaviour (runtime-guest/src/workloads/demo.rs, api.rs) with Python's
own blake2b, a from-scratch xxHash64 (checked against the well-known Substrate storage prefixes
below) and hand-written SCALE encoding. Run it to regenerate the vectors:

    python3 conformance/derive/runtime_guest.py
"""
import hashlib
import json
import os

M = 2**64
P1, P2, P3, P4, P5 = (11400714785074694791, 14029467366897019727, 1609587929392839161,
                      9650029242287828579, 2870177450012600261)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) % M


def xxh64(data, seed):
    def rnd(acc, lane):
        return (rotl((acc + lane * P2) % M, 31) * P1) % M

    def merge(acc, val):
        return ((acc ^ rnd(0, val)) * P1 + P4) % M

    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) % M, (seed + P2) % M, seed, (seed - P1) % M]
        while i + 32 <= n:
            for j in range(4):
                v[j] = rnd(v[j], int.from_bytes(data[i + 8 * j:i + 8 * j + 8], "little"))
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) % M
        for lane in v:
            h = merge(h, lane)
    else:
        h = (seed + P5) % M
    h = (h + n) % M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, int.from_bytes(data[i:i + 8], "little")), 27) * P1 + P4) % M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(data[i:i + 4], "little") * P1) % M, 23) * P2 + P3) % M
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * P5) % M, 11) * P1) % M
        i += 1
    h = ((h ^ (h >> 33)) * P2) % M
    h = ((h ^ (h >> 29)) * P3) % M
    return h ^ (h >> 32)


def twox128(data):
    return xxh64(data, 0).to_bytes(8, "little") + xxh64(data, 1).to_bytes(8, "little")


# Cross-check of the xxHash implementation against prefixes every Substrate chain publishes
# (System::Account, System::Number, System::Events, System::EventCount, Balances pallet).
KNOWN = {
    b"System": "26aa394eea5630e07c48ae0c9558cef7",
    b"Account": "b99d880ec681799c0cf30e8886371da9",
    b"Number": "02a5c1b19ab7a04f536c519aca4983ac",
    b"Events": "80d41e5e16056765bc8461851072c9d7",
    b"EventCount": "0a98fdbe9ce6c55837576c60c7af3850",
    b"Balances": "c2261276cc9d1f8598ea4b6a74b15c2f",
}
for name, known in KNOWN.items():
    assert twox128(name).hex() == known, name


def blake2_128(data):
    return hashlib.blake2b(data, digest_size=16).digest()


def u32(v):
    return v.to_bytes(4, "little")


def u128(v):
    return v.to_bytes(16, "little")


def compact(n):
    assert n < 2**14
    return bytes([n << 2]) if n < 64 else ((n << 2) | 1).to_bytes(2, "little")


def scale_str(s):
    return compact(len(s)) + s.encode()


def account(n):
    return bytes([n]) * 32


def account_key(who):
    return twox128(b"Balances") + twox128(b"Account") + blake2_128(who) + who


def account_info(nonce, free):
    return u32(nonce) + u128(free)


NUMBER = twox128(b"System") + twox128(b"Number")
EVENTS = twox128(b"System") + twox128(b"Events")
EVENT_COUNT = twox128(b"System") + twox128(b"EventCount")


def endowed(who, amount):
    return b"\x00" + who + u128(amount)


def transferred(a, b, amount):
    return b"\x01" + a + b + u128(amount)


def transfer_failed(index, error):
    return b"\x02" + u32(index) + bytes([error])


def h(b):
    return "0x" + b.hex()


ENDOW = [(account(n), 1_000_000) for n in range(1, 5)]
INIT_INPUT = compact(4) + b"".join(who + u128(a) for who, a in ENDOW)
INIT_EVENTS = [endowed(who, a) for who, a in ENDOW]
INIT_CHANGES = {h(account_key(who)): h(account_info(0, a)) for who, a in ENDOW}
INIT_CHANGES[h(EVENTS)] = h(compact(4) + b"".join(INIT_EVENTS))
INIT_CHANGES[h(EVENT_COUNT)] = h(u32(4))

# Block 1 (the `subexec run` demo block): 1→2 250 000, 2→3 100, 3→4 5 000 000 (more than
# account 3 holds: InsufficientBalance = 0, rolled back before any write), 4→9 42 (creates 9).
TRANSFERS = [(1, 2, 250_000), (2, 3, 100), (3, 4, 5_000_000), (4, 9, 42)]
BLOCK_INPUT = u32(1) + compact(4) + b"".join(
    account(a) + account(b) + u128(x) for a, b, x in TRANSFERS)
BLOCK_EVENTS = INIT_EVENTS + [
    transferred(account(1), account(2), 250_000),
    transferred(account(2), account(3), 100),
    transfer_failed(2, 0),
    transferred(account(4), account(9), 42),
]
BLOCK_CHANGES = {
    h(NUMBER): h(u32(1)),
    h(account_key(account(1))): h(account_info(1, 750_000)),
    h(account_key(account(2))): h(account_info(1, 1_249_900)),
    h(account_key(account(3))): h(account_info(0, 1_000_100)),
    h(account_key(account(4))): h(account_info(1, 999_958)),
    h(account_key(account(9))): h(account_info(0, 42)),
    h(EVENTS): h(compact(8) + b"".join(BLOCK_EVENTS)),
    h(EVENT_COUNT): h(u32(8)),
}
# BlockSummary { number 1, applied 3, failed 1, total 250 142, event_count 8 }
BLOCK_OUTPUT = u32(1) + u32(3) + u32(1) + u128(250_000 + 100 + 42) + u32(8)


def core_version(spec_version):
    """api::RuntimeVersion::for_spec_version, Core 4 layout."""
    apis = [(bytes.fromhex("df6acb689907609b"), 4), (b"sbxguest", 1)]
    return (scale_str("subexec-guest") + scale_str("subexec-runtime-guest") + u32(1)
            + u32(spec_version) + u32(0) + compact(len(apis))
            + b"".join(i + u32(v) for i, v in apis) + u32(1) + bytes([1]))


def demo(name, runtime, heap):
    vector = {
        "name": name,
        "description": "runtime-guest demo: endow four accounts, then the block of four "
                       "transfers `subexec run` executes. Expected values derived by "
                       "conformance/derive/runtime_guest.py (independent of subexec).",
        "runtime": {"bundled": runtime},
    }
    if heap is not None:
        vector["heap"] = heap
    vector["calls"] = [
        {"call": "Core_version", "expect": {"output": h(core_version(1)), "storage_changes": {}}},
        {"call": "Demo_initialize", "input": h(INIT_INPUT),
         "expect": {"output": h(u32(4)), "storage_changes": INIT_CHANGES}},
        {"call": "Demo_execute_block", "input": h(BLOCK_INPUT),
         "expect": {"output": h(BLOCK_OUTPUT), "storage_changes": BLOCK_CHANGES}},
        {"call": "HostApi_panic", "input": h(scale_str("vector panic")),
         "expect": {"error": "Runtime panicked: vector panic"}},
    ]
    return vector


def upgrade(name, v1, v2):
    return {
        "name": name,
        "description": "runtime-guest upgrade in the middle of a sequence: state written by "
                       "spec_version 1 is used by spec_version 2; a downgrade is refused and "
                       "changes nothing. Derived by conformance/derive/runtime_guest.py.",
        "runtime": {"bundled": v1},
        "calls": [
            {"call": "Demo_initialize", "input": h(INIT_INPUT),
             "expect": {"output": h(u32(4)), "storage_changes": INIT_CHANGES,
                        "spec_version": 1}},
            {"call": "Upgrade_set_code", "input": {"scale_code": {"bundled": v2}},
             "expect": {"output": "0x", "spec_version": 2}},
            {"call": "Core_version", "expect": {"output": h(core_version(2))}},
            {"call": "Demo_execute_block", "input": h(BLOCK_INPUT),
             "expect": {"output": h(BLOCK_OUTPUT), "storage_changes": BLOCK_CHANGES}},
            {"call": "Upgrade_set_code", "input": {"scale_code": {"bundled": v1}},
             "expect": {"error": "spec_version 1 is not higher than the running 2",
                        "spec_version": 2}},
            {"call": "Core_version", "expect": {"output": h(core_version(2)),
                                                 "storage_changes": {}}},
        ],
    }


def initial_state(name, runtime):
    """State given up front (`initial_state`), a small static heap, a rolled-back debit."""
    one, two, three = account(1), account(2), account(3)
    transfers = [(1, 2, 995), (1, 3, 5)]  # the second leaves 3 below the existential deposit
    block = u32(7) + compact(2) + b"".join(
        account(a) + account(b) + u128(x) for a, b, x in transfers)
    events = [transferred(one, two, 995), transfer_failed(1, 1)]  # BelowExistentialDeposit = 1
    return {
        "name": name,
        "description": "runtime-guest block on a state given in the vector (account 1: nonce 5, "
                       "1 000) with a 16-page static heap; the second transfer is debited, then "
                       "rolled back. Derived by conformance/derive/runtime_guest.py.",
        "runtime": {"bundled": runtime},
        "heap": {"static": 16},
        "initial_state": {h(account_key(one)): h(account_info(5, 1_000))},
        "calls": [
            {"call": "Demo_execute_block", "input": h(block),
             "expect": {
                 # BlockSummary { number 7, applied 1, failed 1, total 995, event_count 2 }
                 "output": h(u32(7) + u32(1) + u32(1) + u128(995) + u32(2)),
                 "storage_changes": {
                     h(NUMBER): h(u32(7)),
                     h(account_key(one)): h(account_info(6, 5)),
                     h(account_key(two)): h(account_info(0, 995)),
                     h(EVENTS): h(compact(2) + b"".join(events)),
                     h(EVENT_COUNT): h(u32(2)),
                 }}},
        ],
    }


OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
VECTORS = {}
for mode, label in [("classic", "classic"), ("guest_allocator", "guest-allocator")]:
    VECTORS[f"runtime-guest-{label}-demo.json"] = demo(
        f"runtime-guest {label}: demo", mode, None)
    VECTORS[f"runtime-guest-{label}-demo-dynamic-heap.json"] = demo(
        f"runtime-guest {label}: demo, dynamic heap", mode, {"dynamic": None})
    VECTORS[f"runtime-guest-{label}-initial-state.json"] = initial_state(
        f"runtime-guest {label}: initial state, static heap", mode)
    VECTORS[f"runtime-guest-{label}-upgrade.json"] = upgrade(
        f"runtime-guest {label}: upgrade v1 -> v2 mid-sequence", mode, f"{mode}_v2")
# Across ABIs: the upgrade rules compare versions only, so classic v1 may become guest-allocator v2.
VECTORS["runtime-guest-classic-to-guest-allocator-upgrade.json"] = upgrade(
    "runtime-guest: upgrade classic v1 -> guest-allocator v2", "classic", "guest_allocator_v2")
for file, vector in VECTORS.items():
    with open(os.path.join(OUT, file), "w") as f:
        json.dump(vector, f, indent=1)
        f.write("\n")
