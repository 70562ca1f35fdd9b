"""The byte-level language model the assistant builds on, in plain numpy.

The base model (`base-llm`, fetched by digest) maps a byte to an embedding and the embedding to
next-byte logits; a LoRA adapter adds a low-rank update `B @ A` on the embedding path. Weights
live in safetensors files, so loading never runs code.
"""

from __future__ import annotations

import numpy as np
from safetensors.numpy import load_file

VOCAB = 256


class TinyLM:
    """Base weights plus an optional LoRA adapter."""

    def __init__(self, base: dict[str, np.ndarray], adapter: dict[str, np.ndarray] | None = None,
                 scale: float = 1.0) -> None:
        self.embed = base["tok_embeddings.weight"]
        self.norm = base["norm.weight"]
        self.out = base["output.weight"]
        self.lora_a = adapter["lora_A.weight"] if adapter else None
        self.lora_b = adapter["lora_B.weight"] if adapter else None
        self.scale = scale

    @classmethod
    def load(cls, base_path: str, adapter_path: str | None = None, scale: float = 1.0) -> TinyLM:
        adapter = load_file(adapter_path) if adapter_path else None
        return cls(load_file(base_path), adapter, scale)

    def hidden(self, tokens: np.ndarray) -> np.ndarray:
        h = self.embed[tokens]
        if self.lora_a is not None:
            h = h + self.scale * (h @ self.lora_a.T) @ self.lora_b.T
        return h * self.norm

    def logits(self, tokens: np.ndarray) -> np.ndarray:
        return self.hidden(tokens) @ self.out.T

    def next_byte_accuracy(self, text: bytes) -> float:
        tokens = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
        if len(tokens) < 2:
            return 0.0
        predicted = self.logits(tokens[:-1]).argmax(axis=1)
        return float(np.mean(predicted == tokens[1:]))

    def generate(self, prompt: str, max_bytes: int = 64) -> str:
        tokens = list(prompt.encode()[-1:] or b" ")
        for _ in range(max_bytes):
            tokens.append(int(self.logits(np.asarray(tokens[-1:]))[0].argmax()))
        return bytes(tokens[1:]).decode(errors="replace")
