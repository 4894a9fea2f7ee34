"""Two local projects that deploy at the same moment, on the same port, both serve themselves."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
import yaml

from conftest import plain_text, run
from generated_project import (
    free_port,
    project_env,
    run_in_project,
    service_url,
    setup_stack,
)

pytestmark = pytest.mark.slow


def test_two_projects_deploying_at_once_on_one_port_each_serve_themselves(
    running_project,
) -> None:
    port = free_port()
    projects = []
    for _ in range(2):
        # Same product, model and deployment names, each with its own ZenML home.
        project = running_project(setup=False, hyperparameters_tuning=False)
        local = {"components": {"deployer": {"configuration": {"port": port}}}}
        (project / "configs" / "stack.local.yaml").write_text(yaml.safe_dump(local))
        setup_stack(project)
        run(project, "--only-training")
        projects.append(project)
    deploying = [
        subprocess.Popen(
            [sys.executable, "-m", "serving", "serve"],
            cwd=project,
            env=project_env(project),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for project in projects
    ]
    outputs = [plain_text(process.communicate(timeout=600)[0]) for process in deploying]
    identities = []
    for project, process, output in zip(projects, deploying, outputs, strict=True):
        assert process.returncode == 0, output[-3000:]
        status = run_in_project(project, ["-m", "serving", "status"], capture=True).stdout
        assert "it answers /identity as itself" in status, status
        identities.append(httpx.get(f"{service_url(status)}/identity", timeout=30).json())
    assert identities[0]["deployment"] == identities[1]["deployment"]
    assert identities[0]["deployment_id"] != identities[1]["deployment_id"]
    retried = sum("deploying it again on a free port" in output for output in outputs)
    print(f"deploys that found the port taken and deployed again: {retried}")
