"""Command line: one PNG in, one PLY out.

    gen3d-reconstruct IN.png OUT.ply [--backend inflate] [--quality standard] [--point X,Y] [--mask M.png]
                      [--ascii] [--report REPORT.json]

Exit 0 with a valid PLY; exit 2 with one line on stderr naming the problem for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .errors import WorkerError
from .mask import Point
from .pipeline import JobOptions
from .service import WorkerService


class CliError(Exception):
    pass


def parse_point(text: str) -> Point:
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise CliError(f"--point must be X,Y in pixels, e.g. 120,80; got {text!r}")
    return Point(int(parts[0]), int(parts[1]))


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
    parser.add_argument("--point", help="X,Y of a pixel on the object (pixels, origin top-left)")
    parser.add_argument("--mask", help="a PNG mask, white on the object, same size as the picture")
    parser.add_argument("--ascii", action="store_true", help="write ASCII PLY instead of binary")
    parser.add_argument("--report", help="also write the JSON report here")
    args = parser.parse_args(argv)
    try:
        output = Path(args.output)
        if not output.parent.is_dir():
            raise CliError(f"the output folder {output.parent} does not exist")
        options = JobOptions(
            backend=args.backend,
            quality=args.quality,
            point=parse_point(args.point) if args.point else None,
            ply_format="ascii" if args.ascii else "binary",
        )
        env = dict(os.environ)
        env["GEN3D_BACKENDS"] = args.backend
        service = WorkerService.from_env(env)
        image = read_file(args.input, "picture")
        mask = read_file(args.mask, "mask") if args.mask else None
        result = service.reconstructor.run(image, options, mask)
        write_atomically(output, result.ply)
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
