//! `palisade sign` (issue 14): a message-signature bundle over a file or a digest, read by
//! `signature =` and `palisade verify`; a changed file no longer verifies.

use std::fs;

use super::{AT, palisade};

/// A pipeline whose dataset is signed with `palisade sign`.
fn signed_dataset() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    fs::create_dir_all(dir.join("data")).expect("mkdir");
    fs::write(dir.join("data/d.csv"), "id,amount\n1,10\n").expect("write");
    fs::create_dir_all(dir.join("policies")).expect("mkdir");
    fs::write(
        dir.join("policies/allow.cedar"),
        "@id(\"allow-all\")\npermit (principal, action, resource);\n",
    )
    .expect("write");
    fs::write(
        dir.join("pipeline.pal"),
        r#"pipeline "signed" {
  policies = ["policies"]
  key "release" { public_key = "release.pub" }
  dataset "d" {
    path      = "data/d.csv"
    signature = "data/d.csv.sigstore.json"
    signed_by = key "release"
  }
}
"#,
    )
    .expect("write");
    let keygen = palisade(dir, &["keygen", "--out", "release"]);
    assert_eq!(keygen.code, 0, "{}", keygen.stderr);
    tmp
}

#[test]
fn a_file_signed_with_palisade_sign_is_a_verified_signature() {
    let tmp = signed_dataset();
    let dir = tmp.path();
    let sign = palisade(dir, &["sign", "data/d.csv", "--key", "release.key"]);
    assert_eq!(sign.code, 0, "{}", sign.stderr);
    assert!(
        sign.stderr.contains("wrote data/d.csv.sigstore.json"),
        "{}",
        sign.stderr
    );
    let bundle = fs::read_to_string(dir.join("data/d.csv.sigstore.json")).expect("bundle");
    assert!(bundle.contains("\"messageSignature\""), "{bundle}");
    assert!(bundle.contains("\"SHA2_256\""), "{bundle}");
    let explain = palisade(dir, &["explain", "dataset", "d", "--at", AT]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain
            .stdout
            .contains("signature:         verified (signers: release)"),
        "{}",
        explain.stdout
    );
    let verify = || {
        palisade(
            dir,
            &[
                "verify",
                "data/d.csv.sigstore.json",
                "--key",
                "release.pub",
                "--artifact",
                "data/d.csv",
            ],
        )
    };
    let run = verify();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // The file changes after it was signed: the signature no longer verifies.
    fs::write(dir.join("data/d.csv"), "id,amount\n1,99\n").expect("write");
    let explain = palisade(dir, &["explain", "dataset", "d", "--at", AT]);
    assert!(
        explain.stdout.contains("signature:         invalid"),
        "{}",
        explain.stdout
    );
    let run = verify();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_digest_is_signed_as_given_and_checked_against_it() {
    let tmp = signed_dataset();
    let dir = tmp.path();
    let digest = format!("sha256:{}", "7".repeat(64));
    let sign = palisade(
        dir,
        &[
            "sign",
            "--digest",
            &digest,
            "--key",
            "release.key",
            "-o",
            "image.sigstore.json",
        ],
    );
    assert_eq!(sign.code, 0, "{}", sign.stderr);
    let ok = palisade(
        dir,
        &[
            "verify",
            "image.sigstore.json",
            "--key",
            "release.pub",
            "--digest",
            &digest,
        ],
    );
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let other = format!("sha256:{}", "8".repeat(64));
    let wrong = palisade(
        dir,
        &[
            "verify",
            "image.sigstore.json",
            "--key",
            "release.pub",
            "--digest",
            &other,
        ],
    );
    assert_eq!(wrong.code, 1, "{}{}", wrong.stdout, wrong.stderr);
}

#[test]
fn bad_input_to_sign_is_exit_2() {
    let tmp = signed_dataset();
    let dir = tmp.path();
    for (args, code) in [
        (
            vec!["sign", "--digest", "sha256:abc", "--key", "release.key"],
            "palisade::sign::digest",
        ),
        (
            vec!["sign", "data", "--key", "release.key"],
            "palisade::sign::input",
        ),
        (
            vec!["sign", "missing.csv", "--key", "release.key"],
            "palisade::sign::input",
        ),
    ] {
        let run = palisade(dir, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(code), "{args:?}: {}", run.stderr);
    }
}
