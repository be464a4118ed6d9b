"""Experiment templates: loading, the results contract, and ``aisci template check``."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from statistics import mean
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agents.errors import ConfigError, TemplateError
from agents.models import IdeaDraft
from sandbox.base import Limits

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIRED_FILES = ("experiment.py", "plot.py", "prompt.json", "seed_ideas.json", "latex/template.tex")


def templates_dir() -> Path:
    return Path(os.environ.get("AISCI_TEMPLATES_DIR", REPO_ROOT / "templates"))


def available_templates() -> list[str]:
    root = templates_dir()
    return sorted(p.name for p in root.iterdir() if (p / "experiment.py").is_file()) if root.is_dir() else []


class Template(BaseModel):
    """A validated template folder and its settings."""

    model_config = ConfigDict(frozen=True)

    path: Path
    name: str
    description: str = ""
    system_prompt: str
    task_description: str
    seed_ideas: list[IdeaDraft]
    primary_metric: str
    primary_group: str = "*"
    lower_is_better: bool = False
    max_runs: int = 3
    limits: Limits = Limits()

    @property
    def baseline_dir(self) -> Path:
        return self.path / "run_0"

    def primary_value(self, final_info: dict[str, Any] | None) -> float | None:
        """The primary metric of a result: one group's mean, or the mean over groups ('*')."""
        if not final_info:
            return None
        groups = final_info if self.primary_group == "*" else {
            self.primary_group: final_info.get(self.primary_group)}
        values = []
        for value in groups.values():
            means = value.get("means") if isinstance(value, dict) else None
            if isinstance(means, int | float):
                values.append(float(means))
            elif isinstance(means, dict) and isinstance(means.get(self.primary_metric), int | float):
                values.append(float(means[self.primary_metric]))
        return mean(values) if values else None

    def better(self, a: float, b: float) -> bool:
        """Is ``a`` better than ``b`` on the primary metric?"""
        return a < b if self.lower_is_better else a > b


def validate_final_info(data: Any) -> list[str]:
    """Problems with a final_info.json value, as readable messages (empty when valid)."""
    if not isinstance(data, dict) or not data:
        return ["final_info.json must be a non-empty JSON object {group: {\"means\": {...}}}"]
    problems = []
    for group, value in data.items():
        if not isinstance(value, dict) or "means" not in value:
            problems.append(f"final_info.json group {group!r} has no \"means\" "
                            f"(expected {{\"{group}\": {{\"means\": {{metric: number}}}}}})")
            continue
        means = value["means"]
        if isinstance(means, dict):
            bad = [k for k, v in means.items() if not isinstance(v, int | float)]
            if bad:
                problems.append(f"final_info.json group {group!r}: means {bad} are not numbers")
        elif not isinstance(means, int | float):
            problems.append(f"final_info.json group {group!r}: means must be a number or an object")
    return problems


def check_template(path: Path) -> list[str]:
    """Everything wrong with a template folder (empty list when it is valid)."""
    if not path.is_dir():
        return [f"{path} is not a folder"]
    problems = [f"missing {f}" for f in REQUIRED_FILES if not (path / f).is_file()]
    experiment = path / "experiment.py"
    if experiment.is_file():
        source = experiment.read_text(encoding="utf-8")
        if "--out_dir" not in source:
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
        problems += _check_json(final_info, validate_final_info)
    toml_path = path / "template.toml"
    if toml_path.is_file():
        try:
            settings = tomllib.loads(toml_path.read_text(encoding="utf-8"))
            Limits(**settings.get("limits", {}))
            if "primary_metric" not in settings:
                problems.append("template.toml has no primary_metric")
        except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
            problems.append(f"template.toml is invalid: {str(exc).splitlines()[0]}")
    return problems


def _check_json(path: Path, check: Any) -> list[str]:
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
            IdeaDraft.model_validate(_lower_keys(item))
        except (ValidationError, AttributeError) as exc:
            problems.append(f"seed_ideas.json idea {i}: {str(exc).splitlines()[0]}")
    return problems


def _lower_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in item.items()}


def resolve_template(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / "experiment.py").exists():
        return candidate.resolve()
    if re.fullmatch(r"[\w.-]+", name_or_path) and (templates_dir() / name_or_path).is_dir():
        return (templates_dir() / name_or_path).resolve()
    known = ", ".join(available_templates()) or "none found"
    raise ConfigError(f"Unknown template {name_or_path!r}. Available: {known}; or pass a folder.")


def load_template(name_or_path: str) -> Template:
    path = resolve_template(name_or_path)
    problems = check_template(path)
    if problems:
        raise TemplateError(f"Template {path.name} is invalid: {problems[0]} "
                            f"(run `aisci template check {path}` for all problems)")
    prompt = json.loads((path / "prompt.json").read_text(encoding="utf-8"))
    seeds = json.loads((path / "seed_ideas.json").read_text(encoding="utf-8"))
    settings: dict[str, Any] = {}
    if (path / "template.toml").is_file():
        settings = tomllib.loads((path / "template.toml").read_text(encoding="utf-8"))
    return Template(
        path=path, name=settings.get("name", path.name),
        description=settings.get("description", ""),
        system_prompt=prompt["system"], task_description=prompt["task_description"],
        seed_ideas=[IdeaDraft.model_validate(_lower_keys(s)) for s in seeds],
        primary_metric=settings.get("primary_metric", _guess_metric(path)),
        primary_group=settings.get("primary_group", "*"),
        lower_is_better=bool(settings.get("lower_is_better", False)),
        max_runs=int(settings.get("max_runs", 3)),
        limits=Limits(**settings.get("limits", {})),
    )


def _guess_metric(path: Path) -> str:
    """Without template.toml: the first metric of the baseline's first group."""
    info_path = path / "run_0" / "final_info.json"
    if info_path.is_file():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        for value in info.values():
            if isinstance(value, dict) and isinstance(value.get("means"), dict):
                return next(iter(value["means"]), "value")
    return "value"
