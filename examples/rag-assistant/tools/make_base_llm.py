"""Write the tiny base LLM (`acme/tiny-base-v1`) as safetensors, deterministically.

In the pipeline the base model is remote (`uri` + pinned `digest`): this is the file the
registry serves, rebuilt here from a seed so anyone can check the digest. Its weights are a
smoothed byte-bigram table from the knowledge-base articles, projected to 32 dimensions by a
seeded random embedding (no LAPACK, so the bytes are the same on every machine), so the model
"speaks" a little English.

    python tools/make_base_llm.py data/kb-articles.jsonl OUT.safetensors
"""

import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

DIM = 32


def main() -> None:
    counts = np.ones((256, 256), dtype=np.float64)
    for line in Path(sys.argv[1]).read_text().splitlines():
        text = json.loads(line)["body"].encode()
        for a, b in zip(text, text[1:]):
            counts[a, b] += 1
    log_probs = np.log(counts / counts.sum(axis=1, keepdims=True))
    embed = np.random.default_rng(1).standard_normal((256, DIM)) / np.sqrt(DIM)
    # logits(a -> b) = embed[a] . output[b] ~ log_probs[a, b]: the projection's least-squares
    # fit would need LAPACK, its transpose is close enough for a toy and exact to reproduce.
    output = log_probs.T @ embed
    tensors = {
        "tok_embeddings.weight": embed.astype(np.float32),
        "norm.weight": np.ones(DIM, dtype=np.float32),
        "output.weight": output.astype(np.float32),
    }
    # One metadata key only: safetensors writes its metadata map in hash order, so two keys
    # would make the file's bytes (and its pinned digest) change from run to run.
    save_file(tensors, sys.argv[2], metadata={"format": "np"})


if __name__ == "__main__":
    main()
