"""The support assistant: POST /ask retrieves help articles and answers with the tuned model.

Prompt-injection and PII filtering are not here: the platform's guardrails proxy
(config/guardrails.yaml) sits in front of this service and checks every input and output.

    uvicorn app:app --host 127.0.0.1 --port 8080
"""

from __future__ import annotations

import json
import os

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from safetensors import safe_open

from ingest import embed
from tinylm import TinyLM

BASE = os.environ.get("BASE_MODEL", "/models/base-llm/model.safetensors")
ADAPTER = os.environ.get("ADAPTER", "/models/support-lora/adapter_model.safetensors")
INDEX = os.environ.get("KB_INDEX", "/index/kb-index.safetensors")
TOP_K = 3
REFUSAL = "I'm sorry, I cannot answer that: ask one question about the help center, in 3 to 500 characters."

app = FastAPI(title="support-assistant")
model = TinyLM.load(BASE, ADAPTER, scale=2.0)
with safe_open(INDEX, framework="np") as index:
    vectors = index.get_tensor("embeddings")
    passages = json.loads(index.metadata()["index"])["chunks"]


@app.exception_handler(RequestValidationError)
async def refuse_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Never echo the request: FastAPI's default 422 body quotes the input, which handed the
    # attacker's own prompt back as the reply (garak's red team, regen.sh step 11, scored 10
    # of 18 attacks through, each on that alone).
    return JSONResponse(status_code=422, content={"detail": REFUSAL})


class Question(BaseModel):
    question: str = Field(min_length=3, max_length=500)


class Answer(BaseModel):
    answer: str
    sources: list[str]


@app.post("/ask", response_model=Answer)
def ask(q: Question) -> Answer:
    scores = vectors @ embed(q.question)
    best = [passages[i] for i in np.argsort(-scores)[:TOP_K] if scores[i] > 0.1]
    if not best:
        return Answer(answer="I could not find this in the help center.", sources=[])
    context = " ".join(p["text"] for p in best)
    # The retrieved passage is the answer; the model only adds a short continuation.
    answer = f"{best[0]['text']} {model.generate(context, max_bytes=48)}"
    return Answer(answer=answer, sources=sorted({p["url"] for p in best}))


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
