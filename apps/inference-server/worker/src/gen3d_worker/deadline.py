"""The caller's time budget: cooperative cancellation checked between and inside the long stages.

The sidecar sends `X-Gen3D-Timeout-Ms: <int>` with each job and stops waiting once it is spent; the worker then
stops too, so an abandoned job does not hold a slot (and CPU) for work nobody will read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import InvalidRequestError, JobTimeoutError

TIMEOUT_HEADER = "X-Gen3D-Timeout-Ms"
# The largest budget accepted: a day. Anything longer is a mistake, not a budget.
MAX_BUDGET_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock; `None` budget means no deadline (the CLI, the benchmarks)."""

    at: float | None  # time.monotonic() value, or None
    budget_ms: int | None = None

    @classmethod
    def none(cls) -> Deadline:
        return cls(None)

    @classmethod
    def after_ms(cls, budget_ms: int, started: float | None = None) -> Deadline:
        start = time.monotonic() if started is None else started
        return cls(start + budget_ms / 1000.0, budget_ms)

    @classmethod
    def from_header(cls, value: str | None, started: float | None = None) -> Deadline:
        """Parses X-Gen3D-Timeout-Ms (a positive integer of milliseconds); absent means no deadline."""
        if value is None or value.strip() == "":
            return cls.none()
        text = value.strip()
        if not text.isdigit() or not 0 < int(text) <= MAX_BUDGET_MS:
            raise InvalidRequestError(
                f"{TIMEOUT_HEADER} must be a whole number of milliseconds from 1 to {MAX_BUDGET_MS}; got {value!r}"
            )
        return cls.after_ms(int(text), started)

    def remaining_s(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def check(self, stage: str) -> None:
        """Raises JobTimeoutError once the budget is spent (call it between and inside long stages)."""
        if self.at is not None and time.monotonic() >= self.at:
            raise JobTimeoutError(
                f"the {self.budget_ms} ms budget ran out during {stage}; the job was stopped"
            )
