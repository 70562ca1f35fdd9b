"""Verify a publicKey-hint Sigstore bundle's DSSE envelope with securesystemslib, independently
of Palisade, and print its statement's subjects.

    python verify_bundle.py BUNDLE PUB.pem [FILE...]

Each FILE's sha256 must match one subject.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def main() -> int:
    bundle = json.loads(Path(sys.argv[1]).read_text())
    pem = Path(sys.argv[2]).read_bytes()
    if bundle["verificationMaterial"]["publicKey"]["hint"] != hashlib.sha256(pem).hexdigest():
        print("hint does not name this key")
        return 1
    key = SSlibKey.from_crypto(load_pem_public_key(pem), keyid="")
    envelope = Envelope.from_dict(bundle["dsseEnvelope"])
    envelope.verify([key], 1)
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    digests = {s["digest"]["sha256"]: s["name"] for s in statement["subject"]}
    for file in sys.argv[3:]:
        digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        if digest not in digests:
            print(f"{file}: sha256 {digest} is no subject of the statement")
            return 1
    print(f"{sys.argv[1]}: verified; subjects {sorted(digests.values())}, "
          f"predicate {statement['predicateType']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
