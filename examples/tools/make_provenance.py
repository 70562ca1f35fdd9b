"""Sign an in-toto Statement v1 with a SLSA provenance v1 predicate, as a Sigstore bundle v0.3.

    python make_provenance.py --key PRIV.pem --pub PUB.pem --subject NAME=FILE [...]
        [--subject-digest NAME=sha256:HEX ...]
        --builder-id URI --build-type URI --repository URL --workflow PATH
        --commit SHA --run-id N --started RFC3339 --finished RFC3339 -o OUT
    python make_provenance.py --key PRIV.pem --pub PUB.pem --subject-digest NAME=sha256:HEX
        --sign-only -o OUT

The statement's subjects carry the real sha256 of each FILE (or the given digest, for a remote
artifact such as an image). With --sign-only the predicate is cosign's image-signature
predicate (`https://sigstore.dev/cosign/sign/v1`, empty), as `cosign sign --new-bundle-format`
writes it, instead of SLSA provenance. The envelope is DSSE
(application/vnd.in-toto+json) signed with securesystemslib's CryptoSigner, keyid "", and the
bundle names the key by `publicKey.hint` = sha256 hex of the public key's PEM text, with no
transparency-log entries (offline). The envelope is verified with `dsse.Envelope.verify`
before the bundle is written, so a file on disk always verified once.
"""

import argparse
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--pub", required=True)
    ap.add_argument("--subject", action="append", default=[])
    ap.add_argument("--subject-digest", action="append", default=[])
    ap.add_argument("--sign-only", action="store_true")
    ap.add_argument("--builder-id")
    ap.add_argument("--build-type")
    ap.add_argument("--repository")
    ap.add_argument("--workflow")
    ap.add_argument("--commit")
    ap.add_argument("--run-id")
    ap.add_argument("--started")
    ap.add_argument("--finished")
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args()

    subjects = []
    for item in args.subject:
        name, _, file = item.partition("=")
        digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        subjects.append({"name": name, "digest": {"sha256": digest}})
    for item in args.subject_digest:
        name, _, digest = item.partition("=sha256:")
        subjects.append({"name": name, "digest": {"sha256": digest}})
    if not subjects:
        ap.error("give at least one --subject or --subject-digest")

    if args.sign_only:
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": subjects,
            "predicateType": "https://sigstore.dev/cosign/sign/v1",
            "predicate": {},
        }
        write_bundle(statement, args)
        return
    missing = [o for o in ["builder_id", "build_type", "repository", "workflow", "commit",
                           "run_id", "started", "finished"] if getattr(args, o) is None]
    if missing:
        ap.error(f"SLSA provenance needs --{', --'.join(m.replace('_', '-') for m in missing)}")

    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": args.build_type,
                "externalParameters": {
                    "workflow": {
                        "ref": "refs/heads/main",
                        "repository": args.repository,
                        "path": args.workflow,
                    }
                },
                "internalParameters": {
                    "github": {"event_name": "push", "runner_environment": "github-hosted"}
                },
                "resolvedDependencies": [
                    {
                        "uri": f"git+{args.repository}@refs/heads/main",
                        "digest": {"gitCommit": args.commit},
                    }
                ],
            },
            "runDetails": {
                "builder": {"id": args.builder_id},
                "metadata": {
                    "invocationId": f"{args.repository}/actions/runs/{args.run_id}/attempts/1",
                    "startedOn": args.started,
                    "finishedOn": args.finished,
                },
            },
        },
    }
    write_bundle(statement, args)


def write_bundle(statement: dict, args: argparse.Namespace) -> None:
    subjects = statement["subject"]
    payload = json.dumps(statement, indent=2).encode()

    pem = Path(args.pub).read_bytes()
    public = SSlibKey.from_crypto(load_pem_public_key(pem), keyid="")
    private = load_pem_private_key(Path(args.key).read_bytes(), password=None)
    signer = CryptoSigner(private, public)
    envelope = Envelope(payload=payload, payload_type="application/vnd.in-toto+json",
                        signatures={})
    envelope.sign(signer)
    envelope.verify([public], 1)  # raises if the signature does not verify

    dsse = envelope.to_dict()
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "publicKey": {"hint": hashlib.sha256(pem).hexdigest()},
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": dsse["payload"],
            "payloadType": dsse["payloadType"],
            "signatures": dsse["signatures"],
        },
    }
    Path(args.out).write_text(json.dumps(bundle, indent=2) + "\n")
    print(f"{args.out}: signed and verified over {[s['name'] for s in subjects]}")


if __name__ == "__main__":
    main()
