//! Verifies an OpenSSF model signature with a public key and times it:
//! `cargo run --release -p palisade-sigstore --example verify_model -- SIG MODEL PUB.pem`.

use palisade_sigstore::keys::{PublicKey, pem_hint};
use palisade_sigstore::verify::TrustedKey;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [sig, model, public] = args.as_slice() else {
        return Err("usage: verify_model SIG MODEL PUB.pem".into());
    };
    let pem = std::fs::read_to_string(public)?;
    let key = TrustedKey {
        name: public.clone(),
        key: PublicKey::from_named_pem(&pem, public)?,
        hint: pem_hint(&pem),
    };
    let started = std::time::Instant::now();
    let bundle = palisade_sigstore::bundle::parse(&std::fs::read(sig)?, sig)?;
    let result = palisade_sigstore::model_signing::verify_model(
        &bundle,
        std::path::Path::new(model),
        &[key],
        &[],
        std::time::SystemTime::now(),
    )?;
    println!("{:?}\n{:?}", result.signature.is_verified(), result.files);
    eprintln!("took {:?}", started.elapsed());
    Ok(())
}
