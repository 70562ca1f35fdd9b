"""Feature extraction shared by training and serving, so both see the same columns."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The columns of data/transactions.csv the model uses, in model input order.
FEATURES = (
    "amount",
    "log_amount",
    "hour",
    "is_night",
    "merchant_risk",
    "card_present",
    "distance_km",
    "tx_last_24h",
)

MERCHANT_RISK = {
    "grocery": 0.05,
    "fuel": 0.10,
    "restaurant": 0.08,
    "electronics": 0.35,
    "travel": 0.30,
    "gift_cards": 0.80,
    "crypto": 0.90,
}


@dataclass(frozen=True)
class Transaction:
    """One card transaction, as the payment gateway sends it."""

    amount: float
    hour: int
    merchant_category: str
    card_present: bool
    distance_km: float
    tx_last_24h: int


def features(tx: Transaction) -> list[float]:
    """The model's input vector for one transaction."""
    return [
        tx.amount,
        math.log1p(max(tx.amount, 0.0)),
        float(tx.hour),
        1.0 if tx.hour < 6 else 0.0,
        MERCHANT_RISK.get(tx.merchant_category, 0.5),
        1.0 if tx.card_present else 0.0,
        tx.distance_km,
        float(tx.tx_last_24h),
    ]
