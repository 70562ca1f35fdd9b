"""Writes a tampered copy of a DSSE bundle: `payload` flips the verdict inside the signed
statement (PASSED -> FAILED), `signature` flips one bit of the signature.

Usage: python tamper.py payload|signature IN OUT
"""
import base64
import json
import sys

mode, src, dst = sys.argv[1:4]
bundle = json.load(open(src))
env = bundle["dsseEnvelope"]
if mode == "payload":
    text = base64.b64decode(env["payload"]).decode()
    assert '"PASSED"' in text, "the statement has no PASSED verdict to flip"
    env["payload"] = base64.b64encode(text.replace('"PASSED"', '"FAILED"').encode()).decode()
elif mode == "signature":
    sig = bytearray(base64.b64decode(env["signatures"][0]["sig"]))
    sig[-1] ^= 1
    env["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
else:
    sys.exit(f"unknown mode {mode}")
json.dump(bundle, open(dst, "w"))
