"""Snapshot of what SAM 3D Objects' inference entry point imports, read statically from a pinned commit.

    python apps/inference-server/sam3d/snapshot_imports.py --git-dir PATH/TO/sam-3d-objects/.git \
        --commit cf066761706cd02b07e2fc6274570ec8cdafb683 > apps/inference-server/sam3d/upstream-imports.json

Starts at notebook/inference.py (the module the worker's `sam3d` adapter imports), follows every import of the
`sam3d_objects` package through its files (parents' `__init__.py` included: importing a package runs them) and
records each top-level module outside the repository that is not in Python's standard library, with the files
that import it and whether any of them imports it unconditionally at module level (so `import inference` fails
without it) or only inside a function, an `if` or a `try` that catches ImportError. It also records
the entry's public names and the parameters of `Inference`, and the requirement names of each pip extra of the
package, so the image test can check all of it offline. Imports made by name at run time (hydra `_target_`s in the
checkpoint's pipeline.yaml) are not visible here: the entry's allow-list of their roots is recorded instead.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import PurePosixPath

ENTRY = "notebook/inference.py"
PACKAGE = "sam3d_objects"
REPOSITORY = "https://github.com/facebookresearch/sam-3d-objects"
REQUIREMENT_FILES = {
    "": "requirements.txt",
    "dev": "requirements.dev.txt",
    "p3d": "requirements.p3d.txt",
    "inference": "requirements.inference.txt",
}


@dataclass
class UpstreamTree:
    """One commit of the upstream repository, read through git (no work tree needed)."""

    git_dir: str
    commit: str
    paths: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        listing = self._git("ls-tree", "-r", "--name-only", self.commit)
        self.paths = set(listing.splitlines())

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", self.git_dir, *args], check=True, capture_output=True, text=True
        ).stdout

    def read(self, path: str) -> str:
        return self._git("show", f"{self.commit}:{path}")


@dataclass
class ImportUse:
    files: set[str] = field(default_factory=set)
    at_import: bool = False  # imported unconditionally at module level somewhere: `import inference` needs it


def module_file(tree: UpstreamTree, module: str) -> str | None:
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py"):
        if candidate in tree.paths:
            return candidate
    return None


def package_of(path: str) -> str:
    parts = PurePosixPath(path).with_suffix("").parts
    return ".".join(parts[:-1])


def catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    names = [handler.type] if not isinstance(handler.type, ast.Tuple) else list(handler.type.elts)
    return any(
        isinstance(n, ast.Name) and n.id in {"ImportError", "ModuleNotFoundError", "Exception"} for n in names
    )


def imports_of(source: str, path: str) -> list[tuple[str, bool]]:
    """Every module `path` imports (absolute names), each with whether the import runs when `path` is imported:
    at module level, outside any `if`, function or `try` that catches ImportError."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, at_import: bool) -> None:
        if isinstance(node, ast.Try):
            guarded = any(catches_import_error(h) for h in node.handlers)
            for statement in node.body:
                visit(statement, at_import and not guarded)
            rest: list[ast.AST] = [*node.handlers, *node.orelse, *node.finalbody]
            for other in rest:
                visit(other, at_import)
            return
        if isinstance(node, ast.If | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            at_import = False
        if isinstance(node, ast.Import):
            found.extend((alias.name, at_import) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_base(node, path)
            found.append((base, at_import))
            found.extend((f"{base}.{alias.name}", at_import) for alias in node.names if alias.name != "*")
        for child in ast.iter_child_nodes(node):
            visit(child, at_import)

    visit(ast.parse(source, filename=path), True)
    return found


def absolute_base(node: ast.ImportFrom, path: str) -> str:
    base = node.module or ""
    if not node.level:
        return base
    anchor = package_of(path).split(".")
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, base] if base else anchor)


def walk(tree: UpstreamTree) -> tuple[dict[str, ImportUse], list[str], list[str]]:
    """Follows the entry's imports through the repository: third-party uses, files read, internal names not found."""
    third_party: dict[str, ImportUse] = {}
    seen: set[str] = set()
    missing: set[str] = set()
    queue = [ENTRY]
    stdlib = set(sys.stdlib_module_names)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        for name, at_import in imports_of(tree.read(path), path):
            root = name.split(".", 1)[0]
            if root == PACKAGE:
                parts = name.split(".")
                files = [module_file(tree, ".".join(parts[:i])) for i in range(1, len(parts) + 1)]
                queue.extend(f for f in files if f is not None)
                if files[-1] is None and files[-2] is None:
                    missing.add(".".join(parts[:-1]))  # neither a module nor a name in one
            elif root and root not in stdlib and root != "__future__":
                use = third_party.setdefault(root, ImportUse())
                use.files.add(path)
                use.at_import = use.at_import or at_import
    return third_party, sorted(seen), sorted(missing)


def requirement_names(text: str) -> list[str]:
    names = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            if match:
                names.append(re.sub(r"[-_.]+", "-", match.group(0)).lower())
    return sorted(set(names))


def entry_surface(source: str) -> dict[str, object]:
    """The entry's public names, `Inference`'s parameters and the hydra target roots it allows."""
    module = ast.parse(source)
    names = sorted(
        node.name
        for node in module.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    )
    parameters: dict[str, list[str]] = {}
    roots: list[str] = []
    for node in ast.walk(module):
        if isinstance(node, ast.ClassDef) and node.name == "Inference":
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.name in {"__init__", "__call__"}:
                    args = method.args
                    parameters[method.name] = [a.arg for a in [*args.args, *args.kwonlyargs]][1:]
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "WHITELIST_FILTERS" for t in node.targets
        ):
            roots = sorted(
                c.value
                for s in ast.walk(node.value)
                if isinstance(s, ast.Set)
                for c in s.elts
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            )
    return {"public_names": names, "parameters": parameters, "hydra_target_roots": roots}


def snapshot(git_dir: str, commit: str) -> dict[str, object]:
    tree = UpstreamTree(git_dir, commit)
    third_party, files, missing = walk(tree)
    return {
        "repository": REPOSITORY,
        "commit": commit,
        "entry": ENTRY,
        "entry_module": PurePosixPath(ENTRY).stem,
        **entry_surface(tree.read(ENTRY)),
        "extras": {extra: requirement_names(tree.read(path)) for extra, path in REQUIREMENT_FILES.items()},
        "files_read": files,
        "internal_modules_not_in_repository": missing,
        "modules": {
            name: {"at_import": use.at_import, "imported_by": sorted(use.files)}
            for name, use in sorted(third_party.items())
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--git-dir", required=True, help="the .git folder of a sam-3d-objects clone")
    parser.add_argument("--commit", required=True, help="the full commit SHA to read")
    options = parser.parse_args()
    if not re.fullmatch(r"[0-9a-f]{40}", options.commit):
        parser.error("--commit must be a full 40-hex commit SHA")
    json.dump(snapshot(options.git_dir, options.commit), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
