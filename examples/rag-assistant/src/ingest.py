"""Build the knowledge-base vector index: one normalised embedding per article chunk.

Embeddings are hashed character trigrams (no model download, deterministic); the index is one
safetensors file whose metadata maps rows to article ids and URLs.

    python src/ingest.py data/kb-articles.jsonl index/kb-index.safetensors
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

DIM = 128
CHUNK_WORDS = 40


def embed(text: str) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    t = f"  {text.lower()}  "
    for i in range(len(t) - 2):
        bucket = int.from_bytes(hashlib.blake2s(t[i:i + 3].encode(), digest_size=4).digest())
        v[bucket % DIM] += 1.0
    return v / (np.linalg.norm(v) + 1e-9)


def chunks(article: dict) -> list[str]:
    words = article["body"].split()
    return [f"{article['title']}. " + " ".join(words[i:i + CHUNK_WORDS])
            for i in range(0, len(words), CHUNK_WORDS)]


def main() -> None:
    rows, refs = [], []
    for line in Path(sys.argv[1]).read_text().splitlines():
        article = json.loads(line)
        for n, text in enumerate(chunks(article)):
            rows.append(embed(text))
            refs.append({"id": article["id"], "chunk": n, "url": article["url"], "text": text})
    # One metadata key: safetensors orders a metadata map by hash, so several keys would make
    # the file's bytes, and the digest its provenance pins, differ between runs.
    index = {"embedding": f"trigram-hash-{DIM}", "chunks": refs}
    save_file({"embeddings": np.stack(rows)}, sys.argv[2], metadata={"index": json.dumps(index)})
    print(f"indexed {len(refs)} chunks from {sys.argv[1]}")


if __name__ == "__main__":
    main()
