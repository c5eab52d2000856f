"""The installed size of a requirements file and everything it requires in turn, read from this Python's packages:
what the venv of an image installing that file holds (the cpu image's estimate in docs/cost.md).

    .venv/bin/python apps/inference-server/worker/bench/requirements_size.py apps/inference-server/worker/requirements.txt

Prints one line per distribution, largest first, and the total; exit 1 when a requirement is not installed here.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(requirements: Path) -> set[str]:
    """The requirements' distributions and, transitively, those they require (markers evaluated here, no extras)."""
    lines = [line.strip() for line in requirements.read_text().splitlines()]
    todo = [normalise(Requirement(line).name) for line in lines if line and not line.startswith(("#", "-"))]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for requirement in map(Requirement, md.requires(name) or []):
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(normalise(requirement.name))
    return found


def installed_bytes(name: str) -> int:
    """The bytes of the files the distribution's RECORD lists."""
    distribution = md.distribution(name)
    total = 0
    for file in distribution.files or []:
        path = Path(str(distribution.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("requirements", type=Path)
    args = parser.parse_args(argv)
    try:
        sizes = {name: installed_bytes(name) for name in closure(args.requirements)}
    except md.PackageNotFoundError as error:
        print(f"not installed here: {error}", file=sys.stderr)
        return 1
    for name, size in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"{name:32s} {size / 1e6:8.1f} MB")
    print(f"{'total':32s} {sum(sizes.values()) / 1e6:8.1f} MB ({len(sizes)} distributions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
