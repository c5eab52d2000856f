"""The job-cost benchmark's verdicts (bench/bench_jobs.py): met, missed, or not measured when a job took the wrong
path; `npm run bench` fails unless both are met."""

from __future__ import annotations

from typing import Any

from bench.bench_jobs import judge


def costs(learned: tuple[str, float], fast: tuple[str, float]) -> dict[str, Any]:
    def job(path: str, wall: float) -> dict[str, Any]:
        return {"path": path, "wall_median_s": wall, "cpu_median_s": wall}

    return {"learned_job": job(*learned), "fast_job": job(*fast), "load_average": 1.0}


def test_each_job_is_judged_by_its_median_wall_time_against_its_own_target() -> None:
    verdicts = judge(costs(("learned", 1.49), ("classic", 0.31)))
    assert verdicts["learned_job"]["verdict"] == "met" and verdicts["learned_job"]["target_s"] == 1.5
    assert verdicts["fast_job"]["verdict"] == "MISSED" and verdicts["fast_job"]["target_s"] == 0.3


def test_a_job_that_took_the_other_path_is_not_measured() -> None:
    # Without a model installed the coffee table takes the weight-free path: its time says nothing of the model's.
    verdicts = judge(costs(("classic", 0.2), ("classic", 0.2)))
    assert verdicts["learned_job"]["verdict"].startswith("NOT MEASURED")
    assert verdicts["fast_job"]["verdict"] == "met"
