"""Render the template and drive the generated project, each in its own ZenML home.

Shared by the demo, the benchmark and the tests so that all three render, provision
and clean up in exactly the same way.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent


def render(
    destination: Path,
    answers: Mapping[str, Any] | None = None,
    template: Path = TEMPLATE_ROOT,
    vcs_ref: str = "HEAD",
    tasks: bool = False,
) -> Path:
    """Render a template version into `destination` with default answers.

    By default the working tree of this repository, uncommitted changes included.
    `answers` override the defaults. The template's tasks run only with `tasks`
    (as `copier copy --trust` runs them); a project must be complete without them.
    Returns the destination.
    """
    from copier import run_copy

    run_copy(
        str(template),
        str(destination),
        data=dict(answers or {}),
        defaults=True,
        vcs_ref=vcs_ref,
        quiet=True,
        unsafe=tasks,
        skip_tasks=not tasks,
    )
    return destination


def project_env(project: Path) -> dict[str, str]:
    """Return the environment that keeps ZenML's and MLflow's state inside `project`."""
    env = dict(os.environ)
    # MLflow's prediction service starts `uvicorn` from PATH: use this interpreter's.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(
        {
            "ZENML_CONFIG_PATH": str(project / ".zenml-home"),
            "ZENML_ANALYTICS_OPT_IN": "false",
            "ZENML_ENABLE_RICH_TRACEBACK": "false",
            "ZENML_AUTO_OPEN_DASHBOARD": "false",
            "PYTHONPATH": str(project),
        }
    )
    return env


def run_in_project(
    project: Path, args: Sequence[str], check: bool = True, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `python ARGS` inside the project with its own ZenML home."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=project_env(project),
        check=check,
        text=True,
        capture_output=capture,
    )


def setup_stack(project: Path) -> None:
    """Register and activate the project's local stack in its own ZenML home."""
    run_in_project(project, ["scripts/setup_stack.py"])


def stop_services(project: Path) -> None:
    """Stop the model services the project started, then any process left behind."""
    if (project / ".zenml-home").exists():
        run_in_project(project, ["-m", "serving", "stop"], check=False)
    kill_processes_under(project)


def kill_processes_under(project: Path) -> list[int]:
    """Terminate processes whose command line or working directory is in `project`."""
    import psutil

    marker = str(project.resolve())
    victims = []
    for process in psutil.process_iter(["pid", "cmdline", "cwd"]):
        if process.pid == os.getpid():
            continue
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            cwd = process.info["cwd"] or ""
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if marker in cmdline or cwd.startswith(marker):
            victims.append(process)
    for process in victims:
        process.terminate()
    _, alive = psutil.wait_procs(victims, timeout=10)
    for process in alive:
        process.kill()
    return [process.pid for process in victims]


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    url: str, process: subprocess.Popen | None = None, seconds: float = 180
) -> None:
    """Poll `url` until it answers 200, failing early when `process` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def service_url(output: str) -> str:
    """Return the online service's URL from what `run.py` or `-m serving` printed."""
    return re.search(r"at (http://127\.0\.0\.1:\d+) \(", output).group(1)
