"""garak `function` target: the support assistant's `POST /ask`, in process.

FastAPI's TestClient runs src/app.py (routing, request validation, retrieval over the index,
the base model with the DP adapter) on the files named by BASE_MODEL, ADAPTER and KB_INDEX.
Each garak prompt is sent as the question; garak judges what a client reads back: the answer,
or the error body (a question over 500 characters is a 422). regen.sh step 11 runs it:

    PYTHONPATH=tools:src garak --target_type function --target_name garak_target#ask …
"""

from __future__ import annotations

from fastapi.testclient import TestClient

import app

client = TestClient(app.app)


def ask(prompt: str, **kwargs) -> list[str]:
    response = client.post("/ask", json={"question": prompt})
    if response.status_code == 200:
        return [response.json()["answer"]]
    return [response.text]
