"""Print, as JSON, how long each step of the project's last batch inference run took."""

from __future__ import annotations

import json
import os
import sys

from zenml.client import Client


def main() -> None:
    """Print each step's seconds and the run's, from the ZenML store."""
    run = (
        Client()
        .list_pipeline_runs(pipeline_name="batch_inference", sort_by="desc:created", size=1)
        .items[0]
    )
    steps = {
        name: (step.end_time - step.start_time).total_seconds()
        for name, step in run.steps.items()
        if step.start_time and step.end_time
    }
    print(json.dumps({"run": (run.end_time - run.start_time).total_seconds(), "steps": steps}))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
