"""Write sbom/support-lora.mlbom.json: a CycloneDX 1.6 ML-BOM for the LoRA adapter.

The model card quotes what src/finetune.py measured (reports/model-metrics.json); the
components are the adapter (with its card), the base model it adapts (by the pipeline's pinned
digest) and the ticket dataset it was trained on (classification, sensitive data, governance).

    python tools/make_mlbom.py models/support-lora BASE_SHA256 reports/model-metrics.json \
        data/support-tickets.jsonl OUT
"""

import hashlib
import json
import sys
import uuid
from pathlib import Path

TIMESTAMP = "2026-01-31T00:00:00Z"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    model_dir, base_sha256, metrics_path, tickets, out = sys.argv[1:6]
    model_dir, tickets = Path(model_dir), Path(tickets)
    m = json.loads(Path(metrics_path).read_text())
    weights = model_dir / "adapter_model.safetensors"
    held_out = f"{m['held_out_tickets']} held-out tickets, next-byte prediction"
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.UUID(sha256(weights)[:32])}",
        "version": 1,
        "metadata": {"timestamp": TIMESTAMP,
                     "authors": [{"name": "Assistant platform",
                                  "email": "assistant-platform@acme.example"}]},
        "components": [
            {
                "type": "machine-learning-model",
                "bom-ref": "support-lora",
                "name": "support-lora",
                "version": "1.0.0",
                "description": "LoRA adapter (rank 4) for acme/tiny-base-v1, trained on closed "
                               "support tickets with DP-GD.",
                "hashes": [{"alg": "SHA-256", "content": sha256(weights)}],
                "properties": [
                    {"name": "acme:model:format", "value": "safetensors"},
                    {"name": "acme:dp:epsilon", "value": str(m["dp_epsilon"])},
                    {"name": "acme:dp:delta", "value": str(m["dp_delta"])},
                ],
                "modelCard": {
                    "modelParameters": {
                        "task": "text-generation",
                        "architectureFamily": "byte-level language model with LoRA",
                        "modelArchitecture": "tiny-base-v1 + LoRA r=4, alpha=8 on the embedding path",
                        "approach": {"type": "supervised"},
                        "datasets": [{"ref": "support-tickets"}],
                        "inputs": [{"format": "text (UTF-8 bytes)"}],
                        "outputs": [{"format": "text (UTF-8 bytes)"}],
                    },
                    "quantitativeAnalysis": {
                        "performanceMetrics": [
                            {"type": "accuracy", "value": str(m["accuracy"]), "slice": held_out},
                            {"type": "accuracy", "value": str(m["base_accuracy"]),
                             "slice": f"base model without the adapter, {held_out}"},
                            {"type": "adversarial-robustness", "value": str(m["typo_accuracy"]),
                             "slice": f"{held_out}, {int(m['typo_rate'] * 100)} % of input "
                                      "bytes replaced at random"},
                            {"type": "differential-privacy-epsilon",
                             "value": str(m["dp_epsilon"]),
                             "slice": f"delta {m['dp_delta']}, noise multiplier "
                                      f"{m['dp_noise_multiplier']}, clip {m['dp_clip_norm']}, "
                                      f"{m['steps']} full-batch steps, one ticket per unit"},
                        ]
                    },
                    # The DP claim a gate reads (palisade: modelCard.properties `…:dp:*`);
                    # the metric above is for people. Signed with the BOM (bom_signature).
                    "properties": [
                        {"name": "acme:ai:training:dp:epsilon", "value": str(m["dp_epsilon"])},
                        {"name": "acme:ai:training:dp:delta", "value": str(m["dp_delta"])},
                        {"name": "acme:ai:training:dp:mechanism", "value": "DP-GD"},
                        {"name": "acme:ai:training:dp:noise_multiplier",
                         "value": str(m["dp_noise_multiplier"])},
                    ],
                    "considerations": {
                        "users": ["customers of the public help center"],
                        "useCases": ["answer how-to questions with help-center sources"],
                        "technicalLimitations": [
                            "a toy byte-level model; answers quote retrieved passages"],
                        "ethicalConsiderations": [
                            {"name": "memorisation of customers' tickets",
                             "mitigationStrategy": "differentially private training "
                                                   f"(epsilon {m['dp_epsilon']}); names and "
                                                   "e-mails masked by the output rails"}],
                    },
                },
            },
            {
                "type": "machine-learning-model",
                "bom-ref": "base-llm",
                "name": "tiny-base-v1",
                "group": "acme",
                "version": "1.0.0",
                "hashes": [{"alg": "SHA-256", "content": base_sha256}],
                "externalReferences": [{
                    "type": "distribution",
                    "url": "https://models.acme.example/llm/tiny-base-v1/model.safetensors"}],
            },
            {
                "type": "data",
                "bom-ref": "support-tickets",
                "name": "support-tickets",
                "version": "2026-01-31",
                "hashes": [{"alg": "SHA-256", "content": sha256(tickets)}],
                "data": [{
                    "type": "dataset",
                    "name": "support-tickets",
                    "description": f"{len(tickets.read_text().splitlines())} closed support "
                                   "tickets (synthetic)",
                    "classification": "confidential",
                    "sensitiveData": ["PII: customer names", "PII: e-mail addresses"],
                    "governance": {
                        "owners": [{"organization": {"name": "ACME Customer Support"}}],
                        "custodians": [{"contact": {"email": "privacy@acme.example"}}],
                    },
                }],
            },
        ],
        "dependencies": [
            {"ref": "support-lora", "dependsOn": ["base-llm", "support-tickets"]},
            {"ref": "base-llm", "dependsOn": []},
            {"ref": "support-tickets", "dependsOn": []},
        ],
    }
    Path(out).write_text(json.dumps(bom, indent=2) + "\n")


if __name__ == "__main__":
    main()
