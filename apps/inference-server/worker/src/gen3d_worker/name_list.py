"""Request fields that are lists of known names (mesh formats, extras): one rule and one set of messages."""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError


def read_name_list(raw: Any, known: tuple[str, ...], what: str, *, non_empty: bool) -> tuple[str, ...]:
    """`raw` as a tuple of names from `known`, each at most once (in the order given).

    >>> read_name_list(["ply", "glb"], ("ply", "glb", "obj"), "format", non_empty=True)
    ('ply', 'glb')

    Raises InvalidRequestError naming the field (`what` + "s") or the unknown name."""
    if not isinstance(raw, list) or (non_empty and not raw) or len(set(map(str, raw))) != len(raw):
        shape = "a non-empty list" if non_empty else "a list"
        raise InvalidRequestError(f"{what}s must be {shape} without repeats of {', '.join(known)}")
    for name in raw:
        if name not in known:
            raise InvalidRequestError(f"unknown {what} {name!r}; known: {', '.join(known)}")
    return tuple(raw)
