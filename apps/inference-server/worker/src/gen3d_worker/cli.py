"""Command line: one PNG in, one mesh out (PLY, and any of glb, stl, 3mf, obj next to it).

    gen3d-reconstruct IN.png OUT.ply [--backend inflate] [--quality standard] [--mask M.png]
                      [--shape auto|inflate|revolve|slab]
                      [--point X,Y]... [--negative X,Y]... [--box X0,Y0,X1,Y1]
                      [--formats ply,glb,stl,3mf,obj] [--target-faces N] [--mask-out M.png]
                      [--thumbnail T.png]
                      [--ascii] [--report REPORT.json]

Other formats are written next to OUT with its stem (OUT.glb, ...). Exit 0 with valid files; exit 2 with one
line on stderr naming the problem for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .errors import WorkerError
from .export import MESH_FORMATS, MeshFormat
from .mask import Box, PromptPoint
from .pipeline import JobInput, JobOptions
from .service import WorkerService


class CliError(Exception):
    pass


def parse_ints(text: str, count: int, flag: str, example: str) -> list[int]:
    parts = text.split(",")
    if len(parts) != count or not all(p.strip().isdigit() for p in parts):
        raise CliError(f"{flag} must be {example} in pixels; got {text!r}")
    return [int(p) for p in parts]


def parse_point(text: str, positive: bool = True) -> PromptPoint:
    x, y = parse_ints(text, 2, "--point" if positive else "--negative", "X,Y, e.g. 120,80")
    return PromptPoint(x, y, positive)


def parse_box(text: str) -> Box:
    x0, y0, x1, y1 = parse_ints(text, 4, "--box", "X0,Y0,X1,Y1, e.g. 10,20,300,400")
    if not (x0 < x1 and y0 < y1):
        raise CliError(f"--box must have X0 < X1 and Y0 < Y1; got {text!r}")
    return Box(x0, y0, x1, y1)


def parse_formats(text: str) -> tuple[MeshFormat, ...]:
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    known = [n for n in names if n in MESH_FORMATS]
    if not names or len(known) != len(names) or len(set(names)) != len(names):
        raise CliError(f"--formats must list some of {','.join(MESH_FORMATS)} once each; got {text!r}")
    return tuple(n for fmt in names for n in MESH_FORMATS if n == fmt)


def read_file(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read the {what} {path}: {error.strerror}") from error


def write_atomically(path: Path, data: bytes) -> None:
    """Writes next to the target and renames, so a half-written PLY never appears under the final name."""
    fd, temporary = tempfile.mkstemp(dir=path.parent or Path(), prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gen3d-reconstruct", description="Reconstruct a 3D mesh from one PNG."
    )
    parser.add_argument("input", help="the PNG picture")
    parser.add_argument("output", help="where to write the PLY")
    parser.add_argument("--backend", choices=["inflate", "sam3d"], default="inflate")
    parser.add_argument("--quality", choices=["fast", "standard", "high"], default="standard")
    parser.add_argument(
        "--shape",
        choices=["auto", "inflate", "revolve", "slab"],
        default="auto",
        help="the shape hypothesis: auto (chosen from the picture), inflate (rounded), revolve (turned), slab (flat)",
    )
    parser.add_argument(
        "--point",
        action="append",
        default=[],
        help="X,Y of a pixel on the object (repeatable; origin top-left)",
    )
    parser.add_argument(
        "--negative", action="append", default=[], help="X,Y of a pixel that is background (repeatable)"
    )
    parser.add_argument("--box", help="X0,Y0,X1,Y1: the object is inside this box (X1, Y1 exclusive)")
    parser.add_argument("--mask", help="a PNG mask, white on the object, same size as the picture")
    parser.add_argument("--formats", default="ply", help=f"comma-separated, of {','.join(MESH_FORMATS)}")
    parser.add_argument("--target-faces", type=int, help="decimate to about this many faces (quadric)")
    parser.add_argument("--mask-out", help="also write the object mask as a PNG (white = object)")
    parser.add_argument(
        "--thumbnail", help="also write a picture of the mesh (512 x 512 PNG, a shaded three-quarter view)"
    )
    parser.add_argument("--ascii", action="store_true", help="write ASCII PLY instead of binary")
    parser.add_argument("--report", help="also write the JSON report here")
    args = parser.parse_args(argv)
    try:
        output = Path(args.output)
        if not output.parent.is_dir():
            raise CliError(f"the output folder {output.parent} does not exist")
        options = JobOptions.from_dict(
            {
                "backend": args.backend,
                "quality": args.quality,
                "shape": args.shape,
                "points": [
                    {"x": p.x, "y": p.y, "label": int(p.positive)}
                    for p in [parse_point(t) for t in args.point]
                    + [parse_point(t, False) for t in args.negative]
                ],
                "formats": list(parse_formats(args.formats)),
                "plyFormat": "ascii" if args.ascii else "binary",
                **({"box": parse_box(args.box).__dict__} if args.box else {}),
                **({"targetFaces": args.target_faces} if args.target_faces is not None else {}),
            }
        )
        env = dict(os.environ)
        env["GEN3D_BACKENDS"] = args.backend
        service = WorkerService.from_env(env)
        image = read_file(args.input, "picture")
        mask = read_file(args.mask, "mask") if args.mask else None
        job = JobInput(image, options, mask)
        result = service.reconstructor.run(job, extras=("thumbnail",) if args.thumbnail else ())
        # One format: OUT as given. Several: OUT's stem with each format's extension.
        for fmt, data in result.files.items():
            write_atomically(output if len(result.files) == 1 else output.with_suffix(f".{fmt}"), data)
        if args.thumbnail:
            write_atomically(Path(args.thumbnail), result.extras["thumbnail"])
        if args.mask_out:
            write_atomically(Path(args.mask_out), service.reconstructor.mask(job).png)
        if args.report:
            write_atomically(Path(args.report), json.dumps(result.report, indent=2).encode())
    except (CliError, WorkerError) as error:
        kind = error.type_name if isinstance(error, WorkerError) else "UsageError"
        print(f"gen3d-reconstruct: {kind}: {error}", file=sys.stderr)
        return 2
    report = result.report
    print(
        f"wrote {output} ({report['mesh']['vertices']} vertices, {report['mesh']['faces']} faces, "
        f"{'watertight' if report['mesh']['watertight'] else 'not watertight'}) in {report['timingsMs']['total']:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
