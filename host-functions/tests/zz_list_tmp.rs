use sp_wasm_interface::HostFunctions;
#[test]
fn list() {
    let mut v: Vec<String> = <sp_io::SubstrateHostFunctions as HostFunctions>::host_functions()
        .into_iter()
        .map(|f| format!("{} {:?}", f.name(), f.signature()))
        .collect();
    v.sort();
    std::fs::write("/tmp/hostapi/spio.txt", v.join("\n")).unwrap();
}
