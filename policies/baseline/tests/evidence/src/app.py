"""A small scoring service: reads a model path from the environment and serves it."""
import json
import os


def load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main() -> None:
    config = load_config(os.environ.get("MODEL_CONFIG", "config.json"))
    print(json.dumps({"model": config.get("name", "unknown")}))


if __name__ == "__main__":
    main()
