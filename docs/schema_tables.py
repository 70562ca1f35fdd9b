#!/usr/bin/env python3
"""Turn `palisade schema` into the Markdown tables of docs/policies.md ("Attribute contract").

    cargo run -q -p palisade-cli -- schema | python3 docs/schema_tables.py

Every attribute's doc is the `//` comment above it in the generated schema, so the tables say
exactly what the engine documents. Attributes shared by every artifact type are listed once.
"""

import re
import sys

ARTIFACTS = ["Code", "Dataset", "Model", "Image", "Secret"]


def parse(text):
    """{block name: (kind, [(attribute, type, doc)])}; kind is entity, type, action."""
    blocks = {}
    comment = []
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("//"):
            comment.append(line[2:].strip())
            continue
        head = re.match(r"^(entity|type|action)\s+(\w+)", line)
        if head:
            current = head.group(2)
            blocks[current] = (head.group(1), " ".join(comment), [])
            comment = []
            # a one-line record type: `type Counts = { a: Long, … };`
            inline = re.search(r"=\s*\{(.*)\};", line)
            if inline:
                for part in inline.group(1).split(","):
                    name, ty = part.split(":")
                    blocks[current][2].append((name.strip(), ty.strip(), ""))
                current = None
            elif line.endswith(";"):
                current = None
            continue
        attr = re.match(r"^(\w+):\s*(.+?),?$", line)
        if current and attr:
            blocks[current][2].append((attr.group(1), attr.group(2), " ".join(comment)))
        comment = []
        if line.startswith("}"):
            current = None
    return blocks


def table(rows):
    out = ["| attribute | type | meaning |", "| --- | --- | --- |"]
    for name, ty, doc in rows:
        out.append(f"| `{name}` | `{ty}` | {doc.replace('|', '&#124;')} |")
    return "\n".join(out)


def main():
    blocks = parse(sys.stdin.read())
    common = None
    for name in ARTIFACTS:
        attrs = blocks[name][2]
        common = attrs if common is None else [a for a in common if a in attrs]
    print("#### Every artifact (`Code`, `Dataset`, `Model`, `Image`, `Secret`)\n")
    print(table(common) + "\n")
    for name in ARTIFACTS:
        extra = [a for a in blocks[name][2] if a not in common]
        if extra:
            print(f"#### `{name}` only\n")
            print(table(extra) + "\n")
    for name in ["Stage", "Release", "Identity", "Key", "Package", "Pipeline"]:
        kind, doc, attrs = blocks[name]
        print(f"#### `{name}`\n")
        if doc:
            print(doc + "\n")
        print(table(attrs) + "\n")
    print("#### `context` (the same record for every action)\n")
    print(table(blocks["Context"][2]) + "\n")
    print("#### `Counts`\n")
    print(table(blocks["Counts"][2]))


if __name__ == "__main__":
    main()
