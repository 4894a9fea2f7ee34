"""A seeded table shaped like real users' data, for the tests and the benchmark.

Flights-like rows: a departure timestamp stored as text, a route code with 5,000 levels
of very uneven frequency, a carrier and an origin of few levels, an order identifier
(one value per row), a free-text remark, numeric columns with gaps, and a target with
gaps. `delay` (minutes) is the regression target; `late` ("yes" when delay > 15) the
classification one. Usage: real_table.py ROWS OUT.(csv|parquet) [regression|classification]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROUTES = 5_000
CARRIERS = [f"C{number:02d}" for number in range(16)]
WORDS = "late crew gate bag fuel storm check seat meal wait delay tow snow de-ice".split()


def make_table(rows: int, seed: int = 0, task_type: str = "regression") -> pd.DataFrame:
    """Return `rows` rows with every column role and a target for `task_type`."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2013-01-01T05:00")
    minutes = rng.integers(0, 365 * 24 * 60 // 5, size=rows) * 5
    departed = pd.Series(start + minutes.astype("timedelta64[m]"))
    route = rng.zipf(1.3, size=rows) % ROUTES
    carrier = rng.choice(len(CARRIERS), size=rows)
    distance = rng.uniform(100, 3000, size=rows)
    departure_delay = rng.gamma(1.2, 12, size=rows) - 5
    route_effect = np.random.default_rng(seed + 1).normal(0, 8, size=ROUTES)[route]
    hour = departed.dt.hour.to_numpy()
    delay = (
        0.9 * departure_delay
        + route_effect
        + 1.5 * (carrier % 4)
        + 0.8 * np.clip(hour - 12, 0, None)
        + 0.002 * distance
        + rng.normal(0, 6, size=rows)
    )
    frame = pd.DataFrame(
        {
            "departed_at": departed.dt.strftime("%Y-%m-%d %H:%M:%S"),
            "route": [f"R{code:04d}" for code in route],
            "carrier": np.array(CARRIERS)[carrier],
            "origin": rng.choice(["EWR", "JFK", "LGA"], size=rows),
            "order_id": [f"ORD-{seed:02d}-{number:08d}" for number in range(rows)],
            "remark": [
                " ".join(rng.choice(WORDS, size=6)) + f" #{number}" for number in range(rows)
            ],
            "distance": distance.round(1),
            "departure_delay": departure_delay.round(1),
            "seats": rng.integers(50, 300, size=rows),
        }
    )
    frame.loc[rng.random(rows) < 0.03, "departure_delay"] = np.nan
    frame.loc[rng.random(rows) < 0.02, "distance"] = np.nan
    frame.loc[rng.random(rows) < 0.01, "carrier"] = None
    if task_type == "classification":
        frame["late"] = np.where(delay > 15, "yes", "no")
        target = "late"
    else:
        frame["delay"] = delay.round(1)
        target = "delay"
    frame.loc[rng.random(rows) < 0.01, target] = None
    return frame


def main() -> None:
    """Write the table to the given file."""
    rows, path = int(sys.argv[1]), Path(sys.argv[2])
    task_type = sys.argv[3] if len(sys.argv) > 3 else "regression"
    frame = make_table(rows, task_type=task_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


if __name__ == "__main__":
    main()
