"""The SAM 3D image's own check, run by Dockerfile.sam3d once everything is installed (no GPU needed).

    python check_image.py --snapshot upstream-imports.json --commit <the SAM3D_COMMIT the image was built from>

Fails (exit 1, one line per problem) when the snapshot was read at another commit than the one installed, when a
module that SAM 3D Objects' inference entry point imports at module level cannot be found (`find_spec`: located,
not executed, so CUDA libraries are not loaded on a build machine without a GPU), or when the worker and its
`sam3d` adapter do not import on the environment's versions.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

WORKER_MODULES = ("gen3d_worker.service", "gen3d_worker.backends.sam3d")


def problems_of(snapshot: dict[str, Any], commit: str) -> list[str]:
    problems: list[str] = []
    if snapshot.get("commit") != commit:
        problems.append(f"the snapshot was read at {snapshot.get('commit')}, the image installs {commit}")
    modules: dict[str, dict[str, Any]] = snapshot["modules"]
    for name, use in sorted(modules.items()):
        if use["at_import"] and importlib.util.find_spec(name) is None:
            problems.append(f"module {name!r} is not installed (imported by {', '.join(use['imported_by'])})")
    for name in WORKER_MODULES:
        try:
            importlib.import_module(name)
        except Exception as error:  # any failure to import is the finding, not only ImportError
            problems.append(f"the worker's {name} does not import: {type(error).__name__}: {error}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--snapshot", required=True, type=Path)
    parser.add_argument("--commit", required=True)
    options = parser.parse_args()
    snapshot = json.loads(options.snapshot.read_text(encoding="utf8"))
    problems = problems_of(snapshot, options.commit)
    for problem in problems:
        print(f"sam3d image check: {problem}", file=sys.stderr)
    if not problems:
        deferred = sorted(n for n, u in snapshot["modules"].items() if not u["at_import"])
        print(
            f"sam3d image check: {len(snapshot['modules']) - len(deferred)} modules found at {options.commit}"
        )
        print(f"sam3d image check: imported only on demand, not checked: {', '.join(deferred)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
