//! Imports used identically by both ABIs: none of them allocates on the host, so RFC-0145
//! keeps them (abi.md §3, "Functions that never allocate … are shared").

use super::fat;

#[link(wasm_import_module = "env")]
extern "C" {
    fn ext_storage_set_version_1(key: u64, value: u64);
    fn ext_storage_clear_version_1(key: u64);
    fn ext_storage_exists_version_1(key: u64) -> u32;
    fn ext_storage_append_version_1(key: u64, item: u64);
    fn ext_storage_clear_prefix_version_1(prefix: u64);
    fn ext_storage_start_transaction_version_1();
    fn ext_storage_commit_transaction_version_1();
    fn ext_storage_rollback_transaction_version_1();
    fn ext_default_child_storage_set_version_1(storage_key: u64, key: u64, value: u64);
    fn ext_default_child_storage_clear_version_1(storage_key: u64, key: u64);
    fn ext_default_child_storage_exists_version_1(storage_key: u64, key: u64) -> u32;
    fn ext_default_child_storage_clear_prefix_version_1(storage_key: u64, prefix: u64);
    fn ext_default_child_storage_storage_kill_version_1(storage_key: u64);
    fn ext_logging_log_version_1(level: u32, target: u64, message: u64);
    fn ext_logging_max_level_version_1() -> u32;
    fn ext_misc_print_num_version_1(value: u64);
    fn ext_misc_print_utf8_version_1(message: u64);
    fn ext_misc_print_hex_version_1(data: u64);
    fn ext_panic_handler_abort_on_panic_version_1(message: u64);
}

// SAFETY (every function below): the host only reads the `(ptr, len)` ranges passed, which
// are live borrowed slices for the duration of the call; it writes nothing we own.

/// Sets `key` to `value`.
pub fn storage_set(key: &[u8], value: &[u8]) {
    unsafe { ext_storage_set_version_1(fat(key), fat(value)) }
}

/// Removes `key`.
pub fn storage_clear(key: &[u8]) {
    unsafe { ext_storage_clear_version_1(fat(key)) }
}

/// Whether `key` has a value.
pub fn storage_exists(key: &[u8]) -> bool {
    unsafe { ext_storage_exists_version_1(fat(key)) == 1 }
}

/// Appends an already SCALE-encoded `item` to the SCALE vector stored at `key`.
pub fn storage_append(key: &[u8], item: &[u8]) {
    unsafe { ext_storage_append_version_1(fat(key), fat(item)) }
}

/// Removes every key starting with `prefix` (no limit, no result).
pub fn storage_clear_prefix(prefix: &[u8]) {
    unsafe { ext_storage_clear_prefix_version_1(fat(prefix)) }
}

/// Opens a storage transaction.
pub fn start_transaction() {
    unsafe { ext_storage_start_transaction_version_1() }
}

/// Commits the innermost storage transaction.
pub fn commit_transaction() {
    unsafe { ext_storage_commit_transaction_version_1() }
}

/// Rolls back the innermost storage transaction.
pub fn rollback_transaction() {
    unsafe { ext_storage_rollback_transaction_version_1() }
}

/// Sets `key` to `value` in the default child trie `storage_key`.
pub fn child_set(storage_key: &[u8], key: &[u8], value: &[u8]) {
    unsafe { ext_default_child_storage_set_version_1(fat(storage_key), fat(key), fat(value)) }
}

/// Removes `key` from the child trie.
pub fn child_clear(storage_key: &[u8], key: &[u8]) {
    unsafe { ext_default_child_storage_clear_version_1(fat(storage_key), fat(key)) }
}

/// Whether `key` has a value in the child trie.
pub fn child_exists(storage_key: &[u8], key: &[u8]) -> bool {
    unsafe { ext_default_child_storage_exists_version_1(fat(storage_key), fat(key)) == 1 }
}

/// Removes every key of the child trie starting with `prefix`.
pub fn child_clear_prefix(storage_key: &[u8], prefix: &[u8]) {
    unsafe { ext_default_child_storage_clear_prefix_version_1(fat(storage_key), fat(prefix)) }
}

/// Removes the whole child trie.
pub fn child_kill(storage_key: &[u8]) {
    unsafe { ext_default_child_storage_storage_kill_version_1(fat(storage_key)) }
}

/// Logs `message` at `level` (0 Error … 4 Trace) under `target`.
pub fn log(level: u32, target: &[u8], message: &[u8]) {
    unsafe { ext_logging_log_version_1(level, fat(target), fat(message)) }
}

/// The host's maximum log level (0 Off … 5 Trace).
pub fn log_max_level() -> u32 {
    unsafe { ext_logging_max_level_version_1() }
}

/// Prints a number.
pub fn print_num(value: u64) {
    unsafe { ext_misc_print_num_version_1(value) }
}

/// Prints UTF-8 text.
pub fn print_utf8(message: &[u8]) {
    unsafe { ext_misc_print_utf8_version_1(fat(message)) }
}

/// Prints bytes as hex.
pub fn print_hex(data: &[u8]) {
    unsafe { ext_misc_print_hex_version_1(fat(data)) }
}

/// Hands the panic message to the host, which records it; the caller traps right after.
pub fn abort_on_panic(message: &[u8]) {
    unsafe { ext_panic_handler_abort_on_panic_version_1(fat(message)) }
}
