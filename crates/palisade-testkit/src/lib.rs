//! Test support shared by the reader crates' `tests/hostile.rs`: a deterministic mini-fuzz
//! (seeded mutations of every fixture, each read under `catch_unwind` and timed), fixture
//! loading from the repository's `tests/fixtures/`, and builders of hostile documents.
//! A dev-dependency only; never part of the `palisade` binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// Mutations per fixture.
pub const MUTATIONS: u64 = 2_000;

/// xorshift64, seeded through splitmix64 so neighbouring seeds give unrelated streams.
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Bytes that mean something to JSON, XML, pickle or UTF-8 decoders.
pub const INTERESTING: &[u8] =
    b"{}[]<>\"'\\:,/0-1e9.ntf \n\t\x00\x7f\x80\xbf\xc0\xef\xbb\xbf\xff&;=!?(S.\x8c\x93R";

/// One to three random edits: bit flips, interesting bytes, truncations, runs of `[`, `{` or
/// `<` (now and then 100k long), duplicated chunks and deleted ranges.
pub fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let len = out.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => out.truncate(rng.below(len + 1)),
            3 => {
                let at = rng.below(len + 1);
                let byte = b"[{<"[rng.below(3)];
                let run = if rng.below(16) == 0 {
                    100_000
                } else {
                    1 + rng.below(64)
                };
                out.splice(at..at, std::iter::repeat_n(byte, run));
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = start + 1 + rng.below((len - start).min(4096));
                let chunk = out[start..end].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, chunk);
            }
            _ if len > 0 => {
                let start = rng.below(len);
                let end = start + 1 + rng.below((len - start).min(256));
                out.drain(start..end);
            }
            _ => out.extend_from_slice(b"{<["),
        }
    }
    out
}

/// What [`mini_fuzz`] saw for one fixture.
pub struct Outcome {
    /// Mutations the reader accepted.
    pub accepted: u64,
    /// The slowest single read.
    pub worst: Duration,
    /// The seed of that read.
    pub worst_seed: u64,
    /// Seeds whose input made the reader panic, with the panic message.
    pub panics: Vec<(u64, String)>,
}

/// Feeds [`MUTATIONS`] mutations of `fixture` to `read` (which returns whether the input was
/// accepted). The seed of mutation `i` is `salt << 32 | i`; replay one with
/// `mutate(fixture, &mut Rng::new(seed))`.
pub fn mini_fuzz(fixture: &[u8], salt: u64, read: &dyn Fn(&[u8]) -> bool) -> Outcome {
    let mut outcome = Outcome {
        accepted: 0,
        worst: Duration::ZERO,
        worst_seed: 0,
        panics: Vec::new(),
    };
    for i in 0..MUTATIONS {
        let seed = salt << 32 | i;
        let input = mutate(fixture, &mut Rng::new(seed));
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| read(&input)));
        let took = start.elapsed();
        if took > outcome.worst {
            outcome.worst = took;
            outcome.worst_seed = seed;
        }
        match result {
            Ok(true) => outcome.accepted += 1,
            Ok(false) => {}
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                outcome.panics.push((seed, message));
            }
        }
    }
    outcome
}

/// Runs [`mini_fuzz`] over every `(name, bytes)` fixture, prints one line per fixture (accepted
/// mutations, the slowest input and its seed) and fails naming every panicking seed. Each
/// fixture must read unmutated, except those named in `refused`, which must not.
pub fn fuzz_all(
    fixtures: &[(String, Vec<u8>)],
    refused: &[&str],
    read: &dyn Fn(&str, &[u8]) -> bool,
) {
    let mut panics = Vec::new();
    let mut worst = (Duration::ZERO, String::new());
    for (salt, (name, bytes)) in fixtures.iter().enumerate() {
        let expected = !refused.contains(&name.as_str());
        assert_eq!(read(name, bytes), expected, "the unmutated fixture {name}");
        let outcome = mini_fuzz(bytes, salt as u64, &|input| read(name, input));
        println!(
            "{name}: {} of {MUTATIONS} mutations accepted; slowest {:?} (seed {:#x})",
            outcome.accepted, outcome.worst, outcome.worst_seed
        );
        if outcome.worst > worst.0 {
            worst = (
                outcome.worst,
                format!("{name} seed {:#x}", outcome.worst_seed),
            );
        }
        for (seed, message) in outcome.panics {
            panics.push(format!("{name} seed {seed:#x}: {message}"));
        }
    }
    println!("worst case over all fixtures: {:?} ({})", worst.0, worst.1);
    assert!(
        panics.is_empty(),
        "the reader panicked on:\n{}",
        panics.join("\n")
    );
}

/// Every regular file directly in the given `tests/fixtures/` folders whose name ends with one of
/// `extensions`, sorted, as `(folder/name, bytes)`.
pub fn fixtures(folders: &[&str], extensions: &[&str]) -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut out = Vec::new();
    for folder in folders {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .filter(|path| {
                let name = path.to_string_lossy();
                extensions.iter().any(|ext| name.ends_with(ext))
            })
            .collect();
        paths.sort();
        for path in paths {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&path).unwrap()));
        }
    }
    assert!(!out.is_empty(), "no fixtures in {folders:?}");
    out
}

/// Deeply nested text: `open` repeated `depth` times, then `middle`, then `close` as often.
pub fn nested(open: &str, middle: &str, close: &str, depth: usize) -> Vec<u8> {
    let mut out = open.repeat(depth);
    out.push_str(middle);
    out.push_str(&close.repeat(depth));
    out.into_bytes()
}

/// `bytes` with `insert` placed right after the first occurrence of `after`.
pub fn insert_after(bytes: &[u8], after: &[u8], insert: &[u8]) -> Vec<u8> {
    let at = bytes.windows(after.len()).position(|w| w == after).unwrap() + after.len();
    let mut out = bytes.to_vec();
    out.splice(at..at, insert.iter().copied());
    out
}
