//! Prints what palisade-spdx reads from SPDX files: `cargo run -p palisade-spdx --example
//! spdx_dump -- FILE...` (the detected format, the reduced facts, or the error).

#![allow(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => {
                eprintln!("{path}: {err}");
                continue;
            }
        };
        let format = palisade_spdx::detect(&bytes);
        match palisade_spdx::parse(&bytes, &path, &palisade_spdx::Limits::default()) {
            Ok(document) => {
                let facts = palisade_spdx::reduce(&document);
                println!(
                    "{path}: {format:?} {} · {} elements, {} relationships, {} vulnerabilities, {} unresolved, ignored {:?}",
                    document.spec_version.as_str(),
                    document.elements.len(),
                    document.relationships.len(),
                    document.vulnerabilities.len(),
                    document.unresolved.len(),
                    document.ignored_types
                );
                match serde_json::to_string(&facts) {
                    Ok(json) => println!("{json}"),
                    Err(err) => eprintln!("{err}"),
                }
            }
            Err(err) => println!("{path}: {format:?} ERROR [{}] {err}", err.code_str()),
        }
    }
}
