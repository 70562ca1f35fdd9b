"""Independent check of a publicKey DSSE bundle with securesystemslib (no palisade code).

Usage: python verify-dsse-securesystemslib.py BUNDLE PUB.pem
Exit: 0 verified ("OK ..."), 1 rejected ("REJECTED ..."), 2 unusable input.
The DSSE keyid is "" on both sides, as palisade and model_signing write it.
"""
import json
import sys

from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

try:
    bundle = json.load(open(sys.argv[1]))
    env = bundle["dsseEnvelope"]
    envelope = Envelope.from_dict(
        {"payload": env["payload"], "payloadType": env["payloadType"], "signatures": env["signatures"]}
    )
    pub = serialization.load_pem_public_key(open(sys.argv[2], "rb").read())
    k = SSlibKey.from_crypto(pub)
    key = SSlibKey("", k.keytype, k.scheme, k.keyval)
except Exception as e:  # noqa: BLE001 - anything here means the input is unusable
    print("UNUSABLE", type(e).__name__, e)
    sys.exit(2)
try:
    keys = envelope.verify([key], 1)
except VerificationError as e:
    print("REJECTED", e)
    sys.exit(1)
print("OK", list(keys.keys()), json.loads(envelope.payload)["predicateType"])
