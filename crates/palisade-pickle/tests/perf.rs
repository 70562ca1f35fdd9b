//! Throughput measurements (not timed assertions): `cargo test -p palisade-pickle --release
//! --test perf -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use palisade_pickle::scan_bytes;

#[test]
#[ignore = "measurement"]
fn opcode_heavy_and_byte_heavy() {
    // 10 million small opcodes: a protocol-4 list of ints in APPENDS batches of 1000.
    let mut ops = b"\x80\x04]\x94".to_vec();
    for _ in 0..10_000 {
        ops.push(b'(');
        for i in 0..1000u32 {
            ops.push(b'J');
            ops.extend_from_slice(&i.to_le_bytes());
        }
        ops.push(b'e');
    }
    ops.push(b'.');
    let t = Instant::now();
    let scan = scan_bytes(&ops, "ops.pkl").unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(scan.imports.is_empty());
    println!(
        "opcodes: {} MB, 10.02 M opcodes in {secs:.3} s ({:.0} M opcodes/s)",
        ops.len() >> 20,
        10.02 / secs
    );

    // 512 MiB of tensor bytes in one BINBYTES8: skipped, not buffered.
    let size = 512u64 << 20;
    let mut big = b"\x80\x04\x8e".to_vec();
    big.extend_from_slice(&size.to_le_bytes());
    big.resize(big.len() + size as usize, 0);
    big.push(b'.');
    let t = Instant::now();
    scan_bytes(&big, "big.pkl").unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "bytes: 512 MiB argument in {secs:.3} s ({:.0} MiB/s)",
        512.0 / secs
    );
}
