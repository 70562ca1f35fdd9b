"""The fraud-scoring HTTP service: POST /score returns a fraud probability for a transaction.

    uvicorn app:app --host 0.0.0.0 --port 8080
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field
from safetensors.numpy import load_file

from features import Transaction, features

MODEL_DIR = Path(os.environ.get("FRAUD_MODEL_DIR", "/models/fraud-xgb"))

app = FastAPI(title="fraud-scoring")
_tensors = load_file(str(MODEL_DIR / "model.safetensors"))
_config = json.loads((MODEL_DIR / "config.json").read_text())


class ScoreRequest(BaseModel):
    amount: float = Field(ge=0, le=1_000_000)
    hour: int = Field(ge=0, le=23)
    merchant_category: str = Field(max_length=32)
    card_present: bool
    distance_km: float = Field(ge=0, le=20_000)
    tx_last_24h: int = Field(ge=0, le=10_000)


class ScoreResponse(BaseModel):
    probability: float
    flagged: bool


def _db_password() -> str:
    # Injected by the platform from the vault path kv/data/fraud/db; never in the image.
    password = os.environ.get("FRAUD_DB_PASSWORD")
    if not password:
        raise HTTPException(status_code=503, detail="audit store not configured")
    return password


@app.post("/score", response_model=ScoreResponse)
def score(request: ScoreRequest) -> ScoreResponse:
    x = np.asarray(features(Transaction(**request.model_dump())), dtype=np.float32)
    z = (x - _tensors["feature_mean"]) / _tensors["feature_scale"]
    logit = float(z @ _tensors["weights"] + _tensors["bias"][0])
    probability = 1.0 / (1.0 + float(np.exp(-logit)))
    return ScoreResponse(probability=probability, flagged=probability >= _config["threshold"])


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "model": _config["model_type"]}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=8080)
