"""``aisci template check``: everything wrong with a template folder, each problem in one line."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.config import LimitCaps
from agents.domain import IdeaDraft
from agents.domain import contract_problems
from agents.templates.runtime_needs import out_dir_defined
from agents.templates.grader import grader_problems
from agents.templates.template import SeedControl, lower_keys
from agents.templates.trust import limit_problems, link_problems
from sandbox import Limits

REQUIRED_FILES = ("experiment.py", "plot.py", "prompt.json", "seed_ideas.json", "latex/template.tex")


def check_template(path: Path, *, caps: LimitCaps | None = None) -> list[str]:
    """Everything wrong with a template folder (empty list when it is valid); ``[limits]``
    against ``caps`` (default: this machine's ``[max_limits]``)."""
    if not path.is_dir():
        return [f"{path} is not a folder"]
    links = link_problems(path)
    if links:  # nothing in the folder is read through a link
        return links
    problems = [f"missing {f}" for f in REQUIRED_FILES if not (path / f).is_file()]
    experiment = path / "experiment.py"
    if experiment.is_file():
        source = experiment.read_text(encoding="utf-8")
        if out_dir_defined(path) is None:  # in experiment.py or a module of the template it imports
            problems.append("experiment.py does not accept --out_dir (it must run as "
                            "`python experiment.py --out_dir=<dir>`)")
        try:
            compile(source, str(experiment), "exec")
        except SyntaxError as exc:
            problems.append(f"experiment.py has a syntax error on line {exc.lineno}: {exc.msg}")
    problems += _check_json(path / "prompt.json", _prompt_problems)
    problems += _check_json(path / "seed_ideas.json", _seed_problems)
    final_info = path / "run_0" / "final_info.json"
    if final_info.is_file():
        problems += _check_json(final_info, contract_problems)
    problems += _toml_problems(path / "template.toml", experiment, caps)
    return problems


def _toml_problems(toml_path: Path, experiment: Path, caps: LimitCaps | None) -> list[str]:
    if not toml_path.is_file():
        return []
    try:
        settings = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        Limits(**settings.get("limits", {}))
        over = limit_problems(settings.get("limits", {}), caps)
        seed = SeedControl(**settings.get("seed", {}))
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        return [f"template.toml is invalid: {str(exc).splitlines()[0]}"]
    problems = list(over)
    source = experiment.read_text(encoding="utf-8") if experiment.is_file() else ""
    if seed.argument and seed.argument not in source:
        problems.append(f"template.toml: [seed] argument {seed.argument} is not in experiment.py")
    if seed.knob and f"{seed.knob} =" not in source:
        problems.append(f"template.toml: [seed] knob {seed.knob} is not set in experiment.py")
    return problems + grader_problems(toml_path.parent, settings)


def _check_json(path: Path, check: Callable[[Any], list[str]]) -> list[str]:
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})"]
    return list(check(data))


def _prompt_problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["prompt.json must be an object with \"system\" and \"task_description\""]
    return [f"prompt.json has no {k!r}" for k in ("system", "task_description") if k not in data]


def _seed_problems(data: Any) -> list[str]:
    if not isinstance(data, list):
        return ["seed_ideas.json must be a list of ideas"]
    problems = []
    for i, item in enumerate(data):
        try:
            IdeaDraft.model_validate(lower_keys(item))
        except (ValidationError, AttributeError) as exc:
            problems.append(f"seed_ideas.json idea {i}: {str(exc).splitlines()[0]}")
    return problems
