def score(tx):
    return 0.0
