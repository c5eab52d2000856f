"""PLY output: binary little-endian (default) or ASCII, with x y z (float), red green blue (uchar) and faces."""

from __future__ import annotations

from typing import Literal

import numpy as np

from .mesh import Mesh

PlyFormat = Literal["binary", "ascii"]

_VERTEX = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("red", "u1"), ("green", "u1"), ("blue", "u1")])
_FACE = np.dtype([("count", "u1"), ("v", "<i4", (3,))])


def ply_header(mesh: Mesh, fmt: PlyFormat, comments: tuple[str, ...] = ()) -> bytes:
    lines = [
        "ply",
        f"format {'binary_little_endian' if fmt == 'binary' else 'ascii'} 1.0",
        *(f"comment {c}" for c in comments),
        f"element vertex {len(mesh.vertices)}",
        "property float x",
        "property float y",
        "property float z",
        "property uchar red",
        "property uchar green",
        "property uchar blue",
        f"element face {len(mesh.faces)}",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def encode_ply(mesh: Mesh, fmt: PlyFormat = "binary", comments: tuple[str, ...] = ()) -> bytes:
    """The mesh as PLY bytes. Comments (ASCII, one line each) say how the mesh was made."""
    safe_comments = tuple(c.encode("ascii", "replace").decode().replace("\n", " ") for c in comments)
    header = ply_header(mesh, fmt, safe_comments)
    if fmt == "ascii":
        vertex_lines = (
            f"{x:.6f} {y:.6f} {z:.6f} {r} {g} {b}"
            for (x, y, z), (r, g, b) in zip(mesh.vertices.tolist(), mesh.colours.tolist(), strict=True)
        )
        face_lines = (f"3 {a} {b} {c}" for a, b, c in mesh.faces.tolist())
        return header + ("\n".join([*vertex_lines, *face_lines]) + "\n").encode("ascii")
    vertices = np.empty(len(mesh.vertices), _VERTEX)
    vertices["x"], vertices["y"], vertices["z"] = mesh.vertices.T
    vertices["red"], vertices["green"], vertices["blue"] = mesh.colours.T
    faces = np.empty(len(mesh.faces), _FACE)
    faces["count"] = 3
    faces["v"] = mesh.faces
    return b"".join([header, vertices.tobytes(), faces.tobytes()])
