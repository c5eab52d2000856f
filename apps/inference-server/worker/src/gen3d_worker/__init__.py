"""Gen3D reconstruction worker: decode -> mask -> reconstruct (backends) -> encode."""

__version__ = "0.1.0"
