"""`copier update`: user edits survive, answers can change, renamed answers migrate."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from migrate_answers import migrate, renames_between

from conftest import (
    REPO_ROOT,
    assert_all_pipelines_completed,
    assert_ruff_clean,
    close_inspector,
    git,
    inspect,
    run,
)
from generated_project import kill_processes_under, render, setup_stack, stop_services

NOT_TEMPLATE = shutil.ignore_patterns(
    ".git", ".venv", "demo", "__pycache__", ".pytest_cache", ".ruff_cache"
)
CONFLICT_MARKER = re.compile(r"^(<<<<<<<|>>>>>>>)( |$)", re.MULTILINE)


def update(project: Path, vcs_ref: str, **answers: object) -> None:
    """Run `copier update --trust --defaults` on the project, as a user would."""
    from copier import run_update

    run_update(
        str(project),
        data=answers,
        defaults=True,
        overwrite=True,
        unsafe=True,
        vcs_ref=vcs_ref,
        quiet=True,
    )


# The files of issue 13 that a v0.2.0 project lacks, and the requirements file it had.
NEWER_FILES = [
    "template/{% if ci == 'github' %}.github{% endif %}",
    "template/{% if ci == 'gitlab' %}.gitlab-ci.yml{% endif %}",
    "template/.pre-commit-config.yaml",
    "template/tests/test_pipelines.py",
    "template/scripts/check_yaml.py",
]
OLD_REQUIREMENTS = "zenml[server]>=0.98,<0.99\nmlflow>=3.17,<4\n"
WORKFLOW = Path(".github") / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def template_versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a template repository with three tagged versions made from this working tree.

    v1.0.0 is an older release, like v0.2.0: its answer `notify_on_success` was renamed
    to `notify_on_successes` in v1.1.0, its test set was 25 % of the rows, and it had a
    requirements.txt and no `ci` question, CI workflow or pre-commit configuration.
    v1.1.0 is this working tree, with that rename and this tree's own renames (v0.3.0's
    `model_deployer: mlflow` to `deployer: local`) listed for the migration hook.
    v1.2.0 changes the GitHub workflow's time limit, as a later release might.
    """
    repo = tmp_path_factory.mktemp("template")
    shutil.copytree(REPO_ROOT, repo, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    git(repo, "init", "--quiet")
    for path in [repo / "copier.yml", *repo.glob("template/**/*.jinja")]:
        text = path.read_text()
        text = re.sub(r"\bnotify_on_successes\b", "notify_on_success", text)
        path.write_text(text.replace("  test_size: 0.2\n", "  test_size: 0.25\n"))
    questions = repo / "copier.yml"
    questions.write_text(re.sub(r"\nci:\n(  .*\n)+\n", "\n", questions.read_text()))
    for name in NEWER_FILES:
        shutil.rmtree(repo / name) if (repo / name).is_dir() else (repo / name).unlink()
    (repo / "template" / "requirements.txt.jinja").write_text(OLD_REQUIREMENTS)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "Older release")
    git(repo, "tag", "v1.0.0")

    shutil.copytree(REPO_ROOT, repo, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    (repo / "template" / "requirements.txt.jinja").unlink()
    renames = repo / "hooks" / "answer_renames.yaml"
    renames.write_text(
        renames.read_text().replace(
            '"0.3.0":', '"1.1.0":\n  notify_on_success: notify_on_successes'
        )
    )
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "This working tree")
    git(repo, "tag", "v1.1.0")

    workflow = repo / NEWER_FILES[0] / "workflows" / "ci.yml"
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 60", "timeout-minutes: 45"))
    git(repo, "commit", "--quiet", "--all", "--message", "A shorter CI time limit")
    git(repo, "tag", "v1.2.0")
    return repo


def committed_render(template: Path, tmp_path: Path) -> Path:
    """Render the newest template version into a git repository with one commit."""
    project = render(tmp_path / "project", {}, template=template, vcs_ref="v1.1.0")
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Generated")
    return project


def project_files(project: Path) -> list[Path]:
    """Return the project's files outside .git."""
    return [path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts]


@pytest.mark.slow
def test_update_keeps_user_edits_migrates_answers_and_still_runs(
    template_versions: Path, tmp_path: Path
) -> None:
    project = render(
        tmp_path / "project",
        {"notify_on_success": True},
        template=template_versions,
        vcs_ref="v1.0.0",
        tasks=True,
    )
    assert git(project, "log", "--format=%s").splitlines() == [
        "Generate the project from zenml-e2e-template"
    ]

    # Edits like a user's: step logic, a config value, a new file, local stack settings.
    evaluator = project / "steps" / "training" / "model_evaluator.py"
    team_check = '    logger.info("Team check: scoring %s.", metric)\n'
    evaluator.write_text(
        evaluator.read_text().replace(
            "    scoring = get_metric(metric)\n", "    scoring = get_metric(metric)\n" + team_check
        )
    )
    training_config = project / "configs" / "training.yaml"
    training_config.write_text(training_config.read_text().replace("cv_folds: 3", "cv_folds: 4"))
    (project / "ml" / "features.py").write_text('"""Our own feature helpers."""\n')
    local_stack = project / "configs" / "stack.local.yaml"
    local_stack.write_text("components:\n  orchestrator:\n    configuration: {}\n")
    # The answer as a v0.2.0 project holds it, before pipeline deployments.
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(
        answers_file.read_text().replace("deployer: local", "model_deployer: mlflow")
    )
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Our edits")

    update(project, "v1.1.0")

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.1.0"
    assert answers["notify_on_successes"] is True
    assert "notify_on_success" not in answers
    assert answers["deployer"] == "local" and "model_deployer" not in answers
    for path in project_files(project):
        assert not CONFLICT_MARKER.search(path.read_text(errors="replace")), path
    assert "Team check: scoring" in evaluator.read_text()
    parameters = yaml.safe_load(training_config.read_text())["parameters"]
    assert parameters["search"]["cv_folds"] == 4  # the user's value
    assert parameters["preprocessing"]["test_size"] == 0.2  # the template's improvement
    assert parameters["alerts"]["notify_on_successes"] is True  # the migrated answer
    assert (project / "ml" / "features.py").exists()
    assert local_stack.read_text() == "components:\n  orchestrator:\n    configuration: {}\n"
    # Issue 13's files arrive; the requirements move into pyproject.toml.
    assert answers["ci"] == "github"
    assert (project / WORKFLOW).exists() and (project / ".pre-commit-config.yaml").exists()
    assert (project / "tests" / "test_pipelines.py").exists()
    assert not (project / "requirements.txt").exists()
    assert "zenml[server]>=0.98,<0.99" in (project / "pyproject.toml").read_text()
    assert_ruff_clean(project)

    try:
        setup_stack(project)
        output = run(project)
        assert "Team check: scoring accuracy." in output
        assert "serves version 1 of 'zenml_e2e_project'" in output
        assert_all_pipelines_completed(inspect(project), training_runs=1)
    finally:
        close_inspector(project)
        stop_services(project)
        assert kill_processes_under(project) == []


def test_changing_answers_on_update_adds_and_removes_files(
    template_versions: Path, tmp_path: Path
) -> None:
    project = committed_render(template_versions, tmp_path)

    update(
        project,
        "v1.1.0",
        alerter="slack",
        slack_channel_id="C0123456789",
        data_quality_checks=False,
        model_families=["logistic_regression", "knn"],
        ci="gitlab",
    )
    assert (project / "alerters" / "slack_web_api.py").exists()
    assert (project / ".gitlab-ci.yml").exists() and not (project / ".github").exists()
    assert "slack-sdk>=3.30,<4" in (project / "pyproject.toml").read_text()
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())["components"]
    assert stack["alerter"]["flavor"] == "slack_web_api"
    inference = yaml.safe_load((project / "configs" / "batch_inference.yaml").read_text())
    assert inference["parameters"]["drift"]["data_quality_checks"] is False
    training = yaml.safe_load((project / "configs" / "training.yaml").read_text())
    assert list(training["parameters"]["search"]["model_families"]) == [
        "logistic_regression",
        "knn",
    ]
    assert_ruff_clean(project)

    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Slack")
    update(project, "v1.1.0", alerter="none")
    assert not (project / "alerters").exists()
    assert "slack" not in (project / "pyproject.toml").read_text()
    assert (
        "alerter"
        not in yaml.safe_load((project / "configs" / "stack.yaml").read_text())["components"]
    )
    for path in project_files(project):
        text = path.read_text(errors="replace")
        assert not CONFLICT_MARKER.search(text), path
    assert_ruff_clean(project)


def test_edits_to_the_ci_workflow_and_the_lock_survive_an_update(
    template_versions: Path, tmp_path: Path
) -> None:
    project = committed_render(template_versions, tmp_path)
    # A team's own step before `make ci`, and the lock its first `make setup` wrote.
    workflow = project / WORKFLOW
    team_step = "      - name: Our data\n        run: ./fetch-sample.sh\n"
    text = workflow.read_text()
    workflow.write_text(text.replace("      - name: Lint,", team_step + "      - name: Lint,"))
    (project / "uv.lock").write_text("# our lock\n")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Our CI step and lock")

    update(project, "v1.2.0")

    text = workflow.read_text()
    assert not CONFLICT_MARKER.search(text), text
    assert team_step in text  # the user's edit
    assert "timeout-minutes: 45" in text  # the template's change
    assert yaml.safe_load(text)["jobs"]["ci"]["steps"][-1]["run"] == "make ci"
    assert (project / "uv.lock").read_text() == "# our lock\n"


def test_the_git_task_is_idempotent_and_respects_an_enclosing_repository(
    tmp_path: Path,
) -> None:
    git(tmp_path, "init", "--quiet")
    project = render(tmp_path / "inside", {}, tasks=True)
    assert not (project / ".git").exists()  # already inside the enclosing repository

    alone = render(tmp_path.parent / f"{tmp_path.name}-alone", {}, tasks=True)
    try:
        first = git(alone, "rev-parse", "HEAD")
        rerun = subprocess.run(
            [sys.executable, str(REPO_ROOT / "hooks" / "init_git.py"), "A", "a@example.com"],
            cwd=alone,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "already inside a git repository" in rerun.stdout
        assert git(alone, "rev-parse", "HEAD") == first
        assert git(alone, "status", "--porcelain") == ""
    finally:
        shutil.rmtree(alone)


def test_answer_renames_apply_in_version_order_and_only_once(tmp_path: Path) -> None:
    from packaging.version import Version

    renames = {"2.0.0": {"b": "c"}, "1.5.0": {"a": "b"}, "3.0.0": {"c": "d"}}
    pairs = renames_between(renames, Version("1.0.0"), Version("2.0.0"))
    assert pairs == [("a", "b", {}), ("b", "c", {})]
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: v1.0.0\na: kept\nother: 1\n")
    assert migrate(answers, pairs) == [
        "Renamed the answer a to b, keeping 'kept'.",
        "Renamed the answer b to c, keeping 'kept'.",
    ]
    assert yaml.safe_load(answers.read_text()) == {"_commit": "v1.0.0", "c": "kept", "other": 1}
    assert migrate(answers, pairs) == []


def test_answer_values_can_be_mapped_on_rename(tmp_path: Path) -> None:
    from packaging.version import Version

    renames = yaml.safe_load((REPO_ROOT / "hooks" / "answer_renames.yaml").read_text())
    pairs = renames_between(renames, Version("0.2.0"), Version("0.3.0"))
    answers = tmp_path / ".copier-answers.yml"
    answers.write_text("_commit: v0.2.0\nmodel_deployer: mlflow\n")
    assert migrate(answers, pairs) == [
        "Renamed the answer model_deployer to deployer: 'mlflow' is now 'local'."
    ]
    assert yaml.safe_load(answers.read_text()) == {"_commit": "v0.2.0", "deployer": "local"}
    answers.write_text("model_deployer: none\n")
    migrate(answers, pairs)
    assert yaml.safe_load(answers.read_text()) == {"deployer": "none"}


def test_a_project_of_the_last_release_updates_to_this_tree(tmp_path: Path) -> None:
    """Answers files written before the hidden (derived) answers existed still update."""
    tags = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    if tags.returncode != 0:
        pytest.skip("this clone of the template has no release tags")
    remote = {
        "deployer": "kubernetes",
        "artifact_store_path": "s3://bucket/zenml",
        "container_registry_uri": "registry.example.com/team",
        "mlflow_tracking_uri": "https://mlflow.example.com",
        "zenml_server_url": "https://zenml.example.com",
    }
    project = render(tmp_path / "project", remote, vcs_ref=tags.stdout.strip())
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Generated")

    update(project, "HEAD")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {key: answers[key] for key in remote} == remote
    assert not {"remote_orchestrator", "remote_deployer", "runs_remotely"} & set(answers)
    stack = yaml.safe_load((project / "configs" / "stack.yaml").read_text())["components"]
    assert stack["container_registry"]["configuration"]["uri"] == "registry.example.com/team"
    for path in project_files(project):
        assert not CONFLICT_MARKER.search(path.read_text(errors="replace")), path
    assert_ruff_clean(project)


CARD_KEYS = ["audience", "use_cases", "limitations", "trade_offs", "ethics"]


def test_the_card_keys_arrive_on_update_beside_edits_to_the_model_group(tmp_path: Path) -> None:
    """A project from before the model card gets its keys, and keeps the user's model edits."""
    repo = tmp_path / "template"
    shutil.copytree(REPO_ROOT, repo, ignore=NOT_TEMPLATE, dirs_exist_ok=True)
    git(repo, "init", "--quiet")
    config = repo / "template" / "configs" / "training.yaml.jinja"
    with_card = config.read_text()
    start = with_card.index("  # The model card:")
    config.write_text(with_card[:start] + with_card[with_card.index("parameters:") :])
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "Before the model card")
    git(repo, "tag", "v1.0.0")
    config.write_text(with_card)
    git(repo, "commit", "--quiet", "--all", "--message", "The model card")
    git(repo, "tag", "v1.1.0")

    project = render(tmp_path / "project", {}, template=repo, vcs_ref="v1.0.0")
    training = project / "configs" / "training.yaml"
    assert "audience:" not in training.read_text()
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Generated")
    edited = training.read_text().replace(
        '  description: "ZenML E2E Project"\n', '  description: "Our churn model"\n'
    )
    training.write_text(edited.replace("cv_folds: 3", "cv_folds: 4"))
    git(project, "commit", "--quiet", "--all", "--message", "Our edits")

    update(project, "v1.1.0")
    assert not CONFLICT_MARKER.search(training.read_text())
    model = yaml.safe_load(training.read_text())["model"]
    assert model["description"] == "Our churn model"
    assert all(isinstance(model[key], str) and model[key] for key in CARD_KEYS)
    assert yaml.safe_load(training.read_text())["parameters"]["search"]["cv_folds"] == 4
