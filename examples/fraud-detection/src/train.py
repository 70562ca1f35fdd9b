"""Train the fraud scorer on data/transactions.csv and save it as safetensors.

A logistic scorer over standardised features: small enough to audit, and stored as plain
tensors (no pickle), so loading it can never run code. Writes the model directory and the
evaluation metrics the ML-BOM's model card quotes.

    python src/train.py data/transactions.csv models/fraud-xgb reports/model-metrics.json
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

from features import FEATURES, Transaction, features

SEED = 7
# The attacker may move every standardised feature by this much (an L-inf budget).
ADVERSARIAL_EPSILON = 0.1


def load(csv_path: Path) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    with csv_path.open(newline="") as f:
        for row in csv.DictReader(f):
            tx = Transaction(
                amount=float(row["amount"]),
                hour=int(row["hour"]),
                merchant_category=row["merchant_category"],
                card_present=row["card_present"] == "1",
                distance_km=float(row["distance_km"]),
                tx_last_24h=int(row["tx_last_24h"]),
            )
            rows.append(features(tx))
            labels.append(int(row["is_fraud"]))
    return np.asarray(rows, dtype=np.float32), np.asarray(labels, dtype=np.int64)


def adversarial_accuracy(model: LogisticRegression, z: np.ndarray, y: np.ndarray) -> float:
    # For a linear model the worst perturbation within the budget pushes every feature
    # against the true class along the sign of its weight (FGSM is exact here).
    direction = np.sign(model.coef_[0]) * np.where(y == 1, -1.0, 1.0)[:, None]
    return float(accuracy_score(y, model.predict(z + ADVERSARIAL_EPSILON * direction)))


def main() -> None:
    csv_path, out_dir, metrics_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    x, y = load(csv_path)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=SEED, stratify=y
    )
    mean = x_train.mean(axis=0)
    scale = x_train.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x_train - mean) / scale, y_train)
    z_test = (x_test - mean) / scale
    metrics = {
        "test_rows": int(len(y_test)),
        "accuracy": round(float(accuracy_score(y_test, model.predict(z_test))), 4),
        "roc_auc": round(float(roc_auc_score(y_test, model.predict_proba(z_test)[:, 1])), 4),
        "adversarial_accuracy": round(adversarial_accuracy(model, z_test, y_test), 4),
        "adversarial_epsilon": ADVERSARIAL_EPSILON,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {
        "feature_mean": mean.astype(np.float32),
        "feature_scale": scale.astype(np.float32),
        "weights": model.coef_[0].astype(np.float32),
        "bias": model.intercept_.astype(np.float32),
    }
    save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "np"})
    config = {
        "model_type": "logistic-fraud-scorer",
        "features": list(FEATURES),
        "threshold": 0.5,
        "training_rows": int(len(y_train)),
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"trained on {len(y_train)} rows: {metrics}")


if __name__ == "__main__":
    main()
