"""Write data/support-tickets.jsonl: 120 synthetic, obviously fake support tickets (seeded).

Customer names and e-mails are made up ("Test Customer 042", @example.invalid) but stand for
the personal data a real ticket export carries, which is why the pipeline labels it `pii`.
"""

import json
import random
import sys

TOPICS = [
    ("Cannot reset my password", "Sent a new reset link; the old one had expired after 30 minutes."),
    ("Reset e-mail never arrives", "The address on the account had a typo; corrected it and resent the link."),
    ("Lost my 2FA phone", "Verified identity and disabled two-factor; customer re-enrolled with recovery codes."),
    ("Charged twice this month", "Duplicate charge from a retried payment; refunded the second charge."),
    ("How do I downgrade", "Explained that downgrades apply at the end of the billing period."),
    ("Need invoice with VAT number", "Added the VAT number to the billing profile and reissued the invoice."),
    ("Export is taking forever", "Large export; it completed after 50 minutes and the link was e-mailed."),
    ("Invite link expired", "Invite links last seven days; sent a new invite."),
    ("Slack notifications stopped", "The Slack app had been removed from the workspace; reconnected it."),
    ("Getting HTTP 429 from the API", "Client exceeded 600 requests per minute; advised backing off until reset."),
]


def main(out: str) -> None:
    rng = random.Random(424242)
    with open(out, "w") as f:
        for i in range(120):
            subject, resolution = rng.choice(TOPICS)
            customer = rng.randint(1, 80)
            f.write(json.dumps({
                "ticket_id": f"T-{10000 + i}",
                "customer_name": f"Test Customer {customer:03d}",
                "customer_email": f"customer{customer:03d}@example.invalid",
                "plan": rng.choice(["starter", "team", "business"]),
                "subject": subject,
                "resolution": resolution,
                "satisfaction": rng.randint(1, 5),
            }) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
