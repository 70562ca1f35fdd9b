"""Write data/transactions.csv: 200 synthetic card transactions (obviously fake, seeded).

Names and e-mails are made up ("Test Holder 017", @example.invalid) but stand for the personal
data a real export would carry, which is why the pipeline labels the dataset `pii`.
"""

import csv
import random
import sys

CATEGORIES = ["grocery", "fuel", "restaurant", "electronics", "travel", "gift_cards", "crypto"]
RISKY = {"gift_cards", "crypto", "electronics"}


def main(out: str) -> None:
    rng = random.Random(20260131)
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["tx_id", "card_holder", "email", "card_last4", "amount", "hour",
                    "merchant_category", "card_present", "distance_km", "tx_last_24h", "is_fraud"])
        for i in range(200):
            holder = rng.randint(1, 60)
            category = rng.choice(CATEGORIES)
            hour = rng.randint(0, 23)
            card_present = rng.random() < 0.6
            amount = round(rng.lognormvariate(3.5, 1.0), 2)
            distance = round(rng.expovariate(1 / 15), 1)
            recent = rng.randint(0, 12)
            risk = (0.5 * (category in RISKY) + 0.4 * (hour < 6) + 0.5 * (not card_present)
                    + 0.3 * (amount > 150) + 0.3 * (distance > 40) + 0.2 * (recent > 8))
            is_fraud = 1 if risk + rng.gauss(0, 0.25) > 1.1 else 0
            w.writerow([f"tx-{i:05d}", f"Test Holder {holder:03d}",
                        f"holder{holder:03d}@example.invalid", f"{rng.randint(0, 9999):04d}",
                        f"{amount:.2f}", hour, category, int(card_present), f"{distance:.1f}",
                        recent, is_fraud])


if __name__ == "__main__":
    main(sys.argv[1])
