"""A stand-in for an orchestrator that takes schedules (a cloud scheduler), for tests.

It is ZenML's local orchestrator, except that it accepts a schedule and, instead of
running a scheduled pipeline, keeps what it was given in `kept_schedules.json` of the
ZenML home: the pipeline, its cron expression, its snapshot, and for a dynamic
pipeline the command that a Kubernetes CronJob runs for it. Copied into a rendered
project, `python schedule_standin.py` registers the flavor and a copy of the active
stack whose orchestrator is one of it, and activates that copy.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

from zenml.client import Client
from zenml.enums import StackComponentType
from zenml.orchestrators.local.local_orchestrator import (
    LocalOrchestrator,
    LocalOrchestratorConfig,
    LocalOrchestratorFlavor,
)

FLAVOR = "kept_schedules"


def kept_schedules_path() -> Path:
    """Return the file in which the stand-in keeps the schedules it was given."""
    return Path(os.environ["ZENML_CONFIG_PATH"]) / "kept_schedules.json"


class KeptSchedulesOrchestratorConfig(LocalOrchestratorConfig):
    """The local orchestrator's configuration, for an orchestrator that takes schedules."""

    @property
    def is_schedulable(self) -> bool:
        return True


class KeptSchedulesOrchestrator(LocalOrchestrator):
    """Runs like the local orchestrator; keeps a scheduled pipeline instead of running it."""

    def submit_pipeline(self, snapshot: Any, stack: Any, *args: Any, **kwargs: Any) -> Any:
        if snapshot.schedule:
            return keep(snapshot, command=None)
        return super().submit_pipeline(snapshot, stack, *args, **kwargs)

    def submit_dynamic_pipeline(self, snapshot: Any, stack: Any, *args: Any, **kwargs: Any) -> Any:
        if snapshot.schedule:
            from zenml.pipelines.dynamic.entrypoint_configuration import (
                DynamicPipelineEntrypointConfiguration as Entrypoint,
            )

            command = [
                *Entrypoint.get_entrypoint_command(),
                *Entrypoint.get_entrypoint_arguments(snapshot_id=snapshot.id),
            ]
            return keep(snapshot, command=command)
        return super().submit_dynamic_pipeline(snapshot, stack, *args, **kwargs)

    def get_orchestrator_run_id(self) -> str:
        # A run started by the scheduler's command, as a CronJob's pod does, has no
        # submission on this machine that set the id.
        if not self._orchestrator_run_id:
            self._orchestrator_run_id = str(uuid4())
        return self._orchestrator_run_id


class KeptSchedulesOrchestratorFlavor(LocalOrchestratorFlavor):
    """The flavor of the stand-in."""

    @property
    def name(self) -> str:
        return FLAVOR

    @property
    def config_class(self) -> type[KeptSchedulesOrchestratorConfig]:
        return KeptSchedulesOrchestratorConfig

    @property
    def implementation_class(self) -> type[KeptSchedulesOrchestrator]:
        return KeptSchedulesOrchestrator


def keep(snapshot: Any, command: list[str] | None) -> None:
    """Add the scheduled snapshot to the kept schedules; run nothing."""
    path = kept_schedules_path()
    kept = json.loads(path.read_text()) if path.exists() else []
    kept.append(
        {
            "pipeline": snapshot.pipeline_configuration.name,
            "cron": snapshot.schedule.cron_expression,
            "schedule": str(snapshot.schedule.id),
            "snapshot": str(snapshot.id),
            "dynamic": snapshot.is_dynamic,
            "command": command,
        }
    )
    path.write_text(json.dumps(kept, indent=2))


def main() -> None:
    """Register the flavor and a copy of the active stack with the stand-in; activate it."""
    client = Client()
    client.create_flavor(
        source=f"{Path(__file__).stem}.{KeptSchedulesOrchestratorFlavor.__name__}",
        component_type=StackComponentType.ORCHESTRATOR,
    )
    client.create_stack_component(
        name=FLAVOR,
        flavor=FLAVOR,
        component_type=StackComponentType.ORCHESTRATOR,
        configuration={},
    )
    stack = client.active_stack_model
    components = {kind: found[0].id for kind, found in stack.components.items()}
    components[StackComponentType.ORCHESTRATOR] = FLAVOR
    client.create_stack(name=f"{stack.name}_{FLAVOR}", components=components)
    client.activate_stack(f"{stack.name}_{FLAVOR}")
    print(f"Stack {stack.name}_{FLAVOR} is active.")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
