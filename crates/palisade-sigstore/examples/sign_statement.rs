//! Signs an in-toto statement file into a v0.3 Sigstore bundle (used to make the interop
//! fixtures): `cargo run -p palisade-sigstore --example sign_statement -- STATEMENT KEY.pem PUB.pem`.
//! The key's password, if any, comes from `PALISADE_KEY_PASSWORD`.

use palisade_sigstore::keys::SigningKey;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [statement, key, public] = args.as_slice() else {
        return Err("usage: sign_statement STATEMENT KEY.pem PUB.pem".into());
    };
    let password = std::env::var("PALISADE_KEY_PASSWORD").ok();
    let key = SigningKey::from_named_pem(
        &std::fs::read_to_string(key)?,
        password.as_deref().map(str::as_bytes),
        key,
    )?;
    let bundle = palisade_sigstore::sign_statement(
        &std::fs::read(statement)?,
        &key,
        &std::fs::read_to_string(public)?,
    );
    println!("{}", bundle.to_json());
    Ok(())
}
