"""A template from elsewhere cannot reach host files or take the machine over.

A link in the template (in its root or in ``latex/``) to a host file: ``aisci template check``
fails with one line, ``aisci run`` refuses the template before a run folder exists, and the
file's content reaches no run file. ``[limits]`` above the configured maxima fail the check;
a user's ``[max_limits]`` raises the cap.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agents.templates.template import templates_dir
from tests.support import REPO, aisci

SECRET = "host-secret-canary-3b9f1e"


def _template(tmp_path: Path) -> Path:
    copy = tmp_path / "downloaded"
    shutil.copytree(templates_dir() / "tiny_mlp", copy)
    return copy


def _host_file(tmp_path: Path) -> Path:
    secret = tmp_path / "host" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    return secret


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(aisci(*args), cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def _lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("where", ["data.csv", "latex/figure.tex", "experiment.py"])
def test_a_link_to_a_host_file_fails_the_check_and_the_run(tmp_path: Path, where: str) -> None:
    template, secret = _template(tmp_path), _host_file(tmp_path)
    (template / where).unlink(missing_ok=True)
    (template / where).symlink_to(secret)
    checked = _cli("template", "check", str(template), cwd=tmp_path)
    [line] = _lines(checked)
    assert checked.returncode == 1 and f"{where} is a symbolic link" in line, line
    runs = tmp_path / "runs"
    ran = _cli("run", "momentum", "--template", str(template), "--model", "mock", "--sandbox",
               "local", "--runs-dir", str(runs), cwd=tmp_path)
    [line] = _lines(ran)
    assert ran.returncode != 0 and "symbolic link" in line and "unexpected" not in line, line
    assert not runs.exists(), "a run folder was made for a refused template"
    assert SECRET not in ran.stdout + ran.stderr + checked.stdout + checked.stderr


def test_a_linked_folder_fails_the_check(tmp_path: Path) -> None:
    template, secret = _template(tmp_path), _host_file(tmp_path)
    (template / "data").symlink_to(secret.parent, target_is_directory=True)
    [line] = _lines(_cli("template", "check", str(template), cwd=tmp_path))
    assert "data is a symbolic link" in line


def test_limits_above_the_maxima_fail_unless_the_user_raises_them(tmp_path: Path) -> None:
    template = _template(tmp_path)
    toml = template / "template.toml"
    toml.write_text(toml.read_text().replace("[limits]", "[limits]\npids = 100000000", 1)
                    if "[limits]" in toml.read_text() else
                    toml.read_text() + "\n[limits]\npids = 100000000\n")
    checked = _cli("template", "check", str(template), cwd=tmp_path)
    [line] = _lines(checked)
    assert checked.returncode == 1 and "pids = 100000000" in line and "maximum 4096" in line, line
    raised = _cli("template", "check", str(template), cwd=tmp_path,
                  env={"AISCI_MAX_LIMITS": '{"pids": 200000000}'})
    assert raised.returncode == 0, raised.stdout + raised.stderr
