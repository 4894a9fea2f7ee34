"""Time the generated project against the same work done by plain scripts.

Renders the default answers into a temporary folder and prints, for this machine:
(a) a fresh process running scripts/plain_sklearn.py, (b) a cold `python run.py` on
fresh stores, (c) an identical second run, and the ratios b/a and c/a (targets: 3, 1);
then batch inference on 1,000,000 rows of the default schema: (d) `run.py
--only-inference` on them, (e) a plain script that reads, transforms and predicts the
same rows with the same fitted objects, and (f) the same inference on the default
57 rows, its fixed start-up cost. Target: d at most 2 e + f. Peak memory is printed too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

from generated_project import project_env, render, run_in_project, setup_stack, stop_services

SCRIPTS = Path(__file__).resolve().parent
BIG_BATCH_ROWS = 1_000_000


def measure(project: Path, args: list[str]) -> tuple[float, float]:
    """Run `python ARGS` in the project; return wall seconds and peak memory in MiB.

    The peak is the largest resident size of the process and its children together,
    sampled every 50 ms.
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=project,
        env=project_env(project),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(member.memory_info().rss for member in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{process.stderr.read()[-3000:]}")
    return seconds, peak / 2**20


def write_big_batch(path: Path) -> None:
    """Write BIG_BATCH_ROWS rows of the default schema, resampled with a little noise."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    features = load_breast_cancer(as_frame=True).data
    rng = np.random.default_rng(0)
    rows = features.sample(n=BIG_BATCH_ROWS, replace=True, random_state=0).reset_index(drop=True)
    rows *= rng.normal(1.0, 0.01, size=rows.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(path)


def point_inference_at(project: Path, rows: str, predictions: str) -> None:
    """Edit the batch inference config to read `rows` and write `predictions`."""
    path = project / "configs" / "batch_inference.yaml"
    config = yaml.safe_load(path.read_text())
    config["parameters"].update(inference_data_path=rows, predictions_path=predictions)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def main() -> None:
    """Render, measure, print the figures, and clean up."""
    workdir = Path(tempfile.mkdtemp(prefix="zenml-e2e-benchmark-"))
    project = render(workdir / "project")
    try:
        setup_stack(project)
        plain, _ = measure(project, [str(SCRIPTS / "plain_sklearn.py")])
        cold, _ = measure(project, ["run.py"])
        warm, _ = measure(project, ["run.py"])
        small, small_peak = measure(project, ["run.py", "--only-inference", "--no-cache"])
        write_big_batch(project / "data" / "big.parquet")
        point_inference_at(project, "data/big.parquet", "predictions/big.parquet")
        big, big_peak = measure(project, ["run.py", "--only-inference", "--no-cache"])
        run_in_project(project, [str(SCRIPTS / "export_models.py"), "models.pkl"], capture=True)
        direct, direct_peak = measure(
            project,
            [str(SCRIPTS / "plain_predict.py"), "models.pkl", "data/big.parquet", "out.parquet"],
        )
    finally:
        stop_services(project)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"(a) plain scikit-learn script:      {plain:6.1f} s")
    print(f"(b) cold python run.py:             {cold:6.1f} s  b/a = {cold / plain:.2f} (target 3)")
    print(f"(c) identical second run:           {warm:6.1f} s  c/a = {warm / plain:.2f} (target 1)")
    print(f"(d) inference, {BIG_BATCH_ROWS:,} rows:      {big:6.1f} s  peak {big_peak:6.0f} MiB")
    print(f"(e) plain predict, same rows:       {direct:6.1f} s  peak {direct_peak:6.0f} MiB")
    print(f"(f) inference, 57 rows (start-up):  {small:6.1f} s  peak {small_peak:6.0f} MiB")
    print(
        f"    d - f = {big - small:.1f} s against 2 e = {2 * direct:.1f} s "
        f"({'within' if big - small <= 2 * direct else 'over'} target)"
    )


if __name__ == "__main__":
    main()
