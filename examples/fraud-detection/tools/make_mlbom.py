"""Write sbom/fraud-xgb.mlbom.json: a CycloneDX 1.6 ML-BOM for models/fraud-xgb.

The model card quotes the metrics src/train.py measured (reports/model-metrics.json); the
hashes are those of the files in the model directory; the dataset component describes
data/transactions.csv (classification and sensitive data), which the model depends on.

    python tools/make_mlbom.py models/fraud-xgb reports/model-metrics.json data/transactions.csv OUT
"""

import hashlib
import json
import sys
import uuid
from pathlib import Path

# Fixed, so that regenerating from the same inputs gives the same file.
TIMESTAMP = "2026-01-31T00:00:00Z"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    model_dir, metrics_path, dataset, out = map(Path, sys.argv[1:5])
    metrics = json.loads(metrics_path.read_text())
    weights = model_dir / "model.safetensors"
    rows = len(dataset.read_text().splitlines()) - 1
    bom = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        # Derived from the weights' digest, so the serial number changes with the model.
        "serialNumber": f"urn:uuid:{uuid.UUID(sha256(weights)[:32])}",
        "version": 1,
        "metadata": {
            "timestamp": TIMESTAMP,
            "authors": [{"name": "ML platform", "email": "ml-platform@acme.example"}],
        },
        "components": [
            {
                "type": "machine-learning-model",
                "bom-ref": "fraud-xgb",
                "name": "fraud-xgb",
                "version": "1.0.0",
                "description": "Card-transaction fraud scorer (logistic regression over 8 "
                               "standardised features), stored as safetensors.",
                "hashes": [{"alg": "SHA-256", "content": sha256(weights)}],
                "properties": [
                    {"name": "acme:model:format", "value": "safetensors"},
                    {"name": "acme:model:config-sha256",
                     "value": sha256(model_dir / "config.json")},
                ],
                "modelCard": {
                    "modelParameters": {
                        "task": "classification",
                        "architectureFamily": "logistic regression",
                        "modelArchitecture": "scikit-learn LogisticRegression (L2, C=1.0)",
                        "approach": {"type": "supervised"},
                        "datasets": [{"ref": "transactions"}],
                        "inputs": [{"format": "tabular: 8 float features per transaction"}],
                        "outputs": [{"format": "fraud probability in [0, 1]"}],
                    },
                    "quantitativeAnalysis": {
                        "performanceMetrics": [
                            {"type": "accuracy", "value": str(metrics["accuracy"]),
                             "slice": f"held-out test split ({metrics['test_rows']} rows)"},
                            {"type": "roc-auc", "value": str(metrics["roc_auc"]),
                             "slice": f"held-out test split ({metrics['test_rows']} rows)"},
                            {"type": "adversarial-robustness",
                             "value": str(metrics["adversarial_accuracy"]),
                             "slice": "accuracy under a worst-case L-inf perturbation of "
                                      f"{metrics['adversarial_epsilon']} on standardised "
                                      "features (FGSM, exact for a linear model)"},
                        ]
                    },
                    "considerations": {
                        "users": ["payments risk team"],
                        "useCases": ["real-time scoring of card transactions before capture"],
                        "technicalLimitations": [
                            "trained on 140 synthetic rows; not for real decisions"],
                        "ethicalConsiderations": [
                            {"name": "disparate impact on customers who travel often",
                             "mitigationStrategy": "flagged transactions go to a human "
                                                   "reviewer, never to an automatic decline"}],
                    },
                },
            },
            {
                "type": "data",
                "bom-ref": "transactions",
                "name": "transactions",
                "version": "2026-01-31",
                "hashes": [{"alg": "SHA-256", "content": sha256(dataset)}],
                "data": [
                    {
                        "type": "dataset",
                        "name": "transactions",
                        "description": f"{rows} synthetic card transactions with fraud labels",
                        "classification": "confidential",
                        "sensitiveData": [
                            "PII: card holder names",
                            "PII: e-mail addresses",
                            "financial: last four digits of card numbers",
                        ],
                        "governance": {
                            "owners": [{"organization": {"name": "ACME Payments"}}],
                            "stewards": [{"contact": {"email": "ml-platform@acme.example"}}],
                        },
                    }
                ],
            },
        ],
        "dependencies": [
            {"ref": "fraud-xgb", "dependsOn": ["transactions"]},
            {"ref": "transactions", "dependsOn": []},
        ],
    }
    out.write_text(json.dumps(bom, indent=2) + "\n")


if __name__ == "__main__":
    main()
