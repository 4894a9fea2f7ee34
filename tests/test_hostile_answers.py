"""Property: any free-text answer is refused with a message, or lands intact in a sound project.

Hypothesis draws hostile strings (quotes, line breaks, emoji, lone surrogates, Jinja
and shell syntax, credentials in URLs, very long strings) for each free-text question.
Each must either be refused by that question's validator, or render a project whose
pyproject.toml is TOML, whose YAML files parse, whose Python compiles and is ruff-clean,
in which the answer reads back unchanged from every TOML and YAML file it lands in, and
in which Markdown shows it literally. Failing examples are kept in tests/.hypothesis.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase
from markdown_it import MarkdownIt

from conftest import QUESTIONS, REPO_ROOT
from generated_project import render

SLACK = {"alerter": "slack", "slack_channel_id": "C0123456789"}
CUSTOM = {"dataset": "custom", "dataset_path": "data/rows.csv", "target_column": "y"}
MLFLOW = {
    "experiment_tracker": "mlflow_remote",
    "mlflow_tracking_uri": "https://mlflow.example.com",
}
REMOTE = {
    "orchestrator": "kubernetes",
    "artifact_store": "s3",
    "artifact_store_path": "s3://bucket/zenml",
    "container_registry_uri": "registry.example.com/team",
    "zenml_server_url": "https://zenml.example.com",
    **MLFLOW,
}


def toml(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def config(project: Path, name: str) -> dict:
    return yaml.safe_load((project / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))


def component(project: Path, kind: str) -> dict:
    return config(project, "stack")["components"][kind].get("configuration", {})


def data_settings(key: str) -> Callable[[Path], list]:
    return lambda project: [config(project, "training")["parameters"]["data"][key]]


# question: (answers that make it asked, the valid value hostile parts are mixed into,
# where the answer lands in TOML and YAML files: a function returning every copy of it)
CASES: dict[str, tuple[dict[str, Any], str, Callable[[Path], list]]] = {
    "project_name": (
        {"product_name": "churn"},
        "Churn model",
        lambda p: [
            toml(p)["project"]["description"].rsplit(": ZenML pipelines", 1)[0],
            config(p, "training")["model"]["description"],
        ],
    ),
    "product_name": (
        {},
        "churn_model",
        lambda p: [
            toml(p)["project"]["name"],
            config(p, "training")["model"]["name"],
            config(p, "serving")["deployment_name"],
        ],
    ),
    "version": ({}, "0.1.0", lambda p: [toml(p)["project"]["version"]]),
    "full_name": ({}, "Ada Lovelace", lambda p: [toml(p)["project"]["authors"][0]["name"]]),
    "email": ({}, "ada@example.com", lambda p: [toml(p)["project"]["authors"][0]["email"]]),
    "copyright_year": ({}, "2026", lambda p: []),
    "dataset_path": (CUSTOM, "data/rows.csv", data_settings("dataset_path")),
    "target_column": (CUSTOM, "churned", data_settings("target_column")),
    "inference_data_path": (
        CUSTOM,
        "data/new.parquet",
        lambda p: [config(p, "batch_inference")["parameters"]["inference_data_path"]],
    ),
    "slack_channel_id": (SLACK, "C0123456789", lambda p: [component(p, "alerter")["channel_id"]]),
    "slack_token_secret": (
        SLACK,
        "slack_token",
        lambda p: [component(p, "alerter")["slack_token"][2 : -len(".token}}")]],
    ),
    "slack_api_url": (
        SLACK,
        "https://slack.com/api/",
        lambda p: [component(p, "alerter")["api_url"]],
    ),
    "artifact_store_path": (
        {"artifact_store": "s3"},
        "s3://bucket/zenml",
        lambda p: [component(p, "artifact_store")["path"]],
    ),
    "container_registry_uri": (
        REMOTE,
        "registry.example.com/team",
        lambda p: [component(p, "container_registry")["uri"]],
    ),
    "mlflow_tracking_uri": (
        MLFLOW,
        "https://mlflow.example.com",
        lambda p: [component(p, "experiment_tracker")["tracking_uri"]],
    ),
    "mlflow_credentials_secret": (
        MLFLOW,
        "mlflow_credentials",
        lambda p: [
            component(p, "experiment_tracker")["tracking_username"][2 : -len(".username}}")]
        ],
    ),
    "zenml_server_url": (
        {},
        "https://zenml.example.com",
        lambda p: [config(p, "stack")["zenml_server_url"]],
    ),
}

FRAGMENTS = [
    '"',
    "'",
    "\\",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "🚀",
    "é",
    "\ud83d",
    "\udca9",
    "{{ 7 * 7 }}",
    "{% if x %}",
    "{#",
    "$(rm -rf ~)",
    "`id`",
    "; ls",
    "|",
    "&amp;",
    "<b>",
    "*_#",
    "[x](y)",
    "user:pa55@",
    "https://u:p@h",
    " # not a comment",
    ": ",
    "- ",
    "null",
    "yes",
    "~",
    '"""',
    "'''",
    "${HOME}",
    "%s",
    "\\u0041",
    "--",
    "@",
    "/",
    "..",
    " ",
]


@st.composite
def hostile_answers(draw: st.DrawFn) -> tuple[str, str]:
    """Return a free-text question and a hostile value for it."""
    question = draw(st.sampled_from(sorted(CASES)))
    valid = CASES[question][1]
    fragment = st.one_of(st.sampled_from(FRAGMENTS), st.text(min_size=1, max_size=4))
    shape = draw(st.sampled_from(["insert", "alone", "long", "url"]))
    if shape == "alone":
        value = "".join(draw(st.lists(fragment, min_size=1, max_size=3)))
    elif shape == "long":
        value = valid * draw(st.integers(min_value=2, max_value=400))
    elif shape == "url":
        value = valid.replace("://", "://" + draw(st.sampled_from(["ada:pa55@", "tok@", ":@"])))
    else:
        at = draw(st.integers(min_value=0, max_value=len(valid)))
        value = valid[:at] + draw(fragment) + valid[at:]
    return question, value


def inline_texts(readme: str) -> list[str]:
    """Return what each paragraph, heading and table cell of the README shows as text."""
    parser = MarkdownIt("commonmark").enable("table")
    return [
        "".join(child.content for child in token.children or [] if child.type != "softbreak")
        for token in parser.parse(readme)
        if token.type == "inline"
    ]


def code_spans(readme: str) -> list[str]:
    parser = MarkdownIt("commonmark").enable("table")
    return [
        child.content
        for token in parser.parse(readme)
        if token.type == "inline"
        for child in token.children or []
        if child.type == "code_inline"
    ]


def assert_sound_project(project: Path) -> None:
    """Assert that the project's TOML, YAML and Python all parse, and ruff is clean."""
    toml(project)
    for path in [*project.glob("configs/*.yaml"), project / ".copier-answers.yml"]:
        yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in project.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    for command in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=project, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_free_text_question_is_covered() -> None:
    free_text = {
        name
        for name, spec in yaml.safe_load((REPO_ROOT / "copier.yml").read_text()).items()
        if not name.startswith("_")
        and spec.get("type") == "str"
        and "choices" not in spec
        and spec.get("when") is not False
    }
    assert set(CASES) <= QUESTIONS
    assert all(set(base) <= QUESTIONS for base, _, _ in CASES.values())
    assert set(CASES) == free_text


@settings(
    max_examples=40,
    deadline=None,
    database=DirectoryBasedExampleDatabase(REPO_ROOT / "tests" / ".hypothesis"),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(hostile_answers())
def test_a_hostile_answer_is_refused_or_lands_intact(answer: tuple[str, str]) -> None:
    question, value = answer
    answers = {**CASES[question][0], question: value}
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        try:
            render(project, answers)
        except ValueError as refused:
            message = str(refused)
            assert message.startswith(f"Validation error for question '{question}': ")
            reason = message.split(": ", 1)[1]
            assert reason.strip() and "\n" not in reason
            credentials = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*@)", value)
            if credentials and question.endswith(("_url", "_uri")):
                assert credentials.group(1) not in message
            return
        assert_sound_project(project)
        stored = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        assert stored[question] == value
        for copy in CASES[question][2](project):
            assert copy == value
        readme = (project / "README.md").read_text(encoding="utf-8")
        if question in ("project_name", "full_name"):
            assert any(value in text for text in inline_texts(readme))
        if question in ("dataset_path", "target_column", "mlflow_tracking_uri"):
            assert value in code_spans(readme)
        if question == "project_name":
            assert inline_texts(readme)[0] == value
