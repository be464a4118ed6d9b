"""Experiment templates: finding and loading one, and its primary metric.

A template is a folder in the AI-Scientist format (``experiment.py --out_dir=<dir>`` writing
``final_info.json``, ``plot.py``, ``prompt.json``, ``seed_ideas.json``, ``latex/template.tex``)
with an optional ``template.toml`` (see TEMPLATES.md). ``check.py`` says what is wrong with a
folder; this module loads a valid one.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from statistics import mean
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.domain import IdeaDraft
from agents.domain import FinalInfo
from agents.errors import ConfigError, TemplateError
from agents.templates.metric_choice import MetricChoice, MetricUndecided, choose_metric
from agents.templates.grader import GraderSpec, parse_grader
from sandbox import Limits

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_RUNS = 3


def templates_dir() -> Path:
    return Path(os.environ.get("AISCI_TEMPLATES_DIR", REPO_ROOT / "templates"))


def available_templates() -> list[str]:
    root = templates_dir()
    return sorted(p.name for p in root.iterdir() if (p / "experiment.py").is_file()) if root.is_dir() else []


class PrimaryMetric(BaseModel):
    """The metric an idea is judged by: one group's mean, or the mean over groups (``*``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    group: str = "*"
    lower_is_better: bool = False

    def value(self, info: FinalInfo | None) -> float | None:
        if info is None:
            return None
        groups = info.groups if self.group == "*" else [self.group]
        values = [v for g in groups if (v := info.value(g, self.name)) is not None]
        return mean(values) if values else None

    def better(self, a: float, b: float) -> bool:
        """Is ``a`` better than ``b``?"""
        return a < b if self.lower_is_better else a > b

    @property
    def direction(self) -> str:
        return "lower" if self.lower_is_better else "higher"


class SeedControl(BaseModel):
    """How one seed of a variant is run: an argument, a module constant, or not at all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    argument: str | None = None  # e.g. "--seed": the job runs experiment.py --seed=<n>
    knob: str | None = None  # e.g. "SEED": the job's copy has SEED = <n>

    @property
    def possible(self) -> bool:
        return bool(self.argument or self.knob)


class Template(BaseModel):
    """A validated template folder and its settings."""

    model_config = ConfigDict(frozen=True)

    path: Path
    name: str
    description: str = ""
    system_prompt: str
    task_description: str
    seed_ideas: list[IdeaDraft]
    primary_metric: str | None = None  # None: chosen from the baseline (``metric_choice``)
    primary_group: str = "*"
    lower_is_better: bool | None = None  # None: told by the metric's name
    #: ``--metric`` and ``--lower-is-better/--higher-is-better`` (they win over template.toml).
    metric_override: str | None = None
    lower_override: bool | None = None
    max_runs: int = DEFAULT_MAX_RUNS
    limits: Limits = Limits()
    #: Where each limit comes from when not aisci's default: "template.toml" or "--timeout".
    limits_from: dict[str, str] = {}
    seed: SeedControl = SeedControl()
    data_source: str = ""
    #: ``[metrics.<name>] range = [low, high]`` (either may be omitted for no bound)
    metric_ranges: dict[str, tuple[float | None, float | None]] = {}
    grader: GraderSpec | None = None  # None: the template declares none (a warning in the run)

    @property
    def baseline_dir(self) -> Path:
        return self.path / "run_0"

    def metric_choice(self, baseline: FinalInfo | None) -> MetricChoice:
        """The primary metric, where it came from and why (see ``metric_choice``)."""
        return choose_metric(baseline.metrics if baseline is not None else [], values=baseline,
                             prompt_text=self.task_description, declared=self.primary_metric,
                             declared_lower=self.lower_is_better,
                             override=self.metric_override, override_lower=self.lower_override)

    def metric(self, baseline: FinalInfo | None) -> PrimaryMetric:
        """The primary metric; ``MetricUndecided`` (one line asking for ``--metric``) when the
        baseline has run and nothing decides it. Before the baseline: the declared or
        overridden name, else a placeholder that is never kept."""
        choice = self.metric_choice(baseline)
        if not choice.decided:
            if baseline is not None:
                raise MetricUndecided(f"{self.name}: {choice.line()}")
            name = self.metric_override or self.primary_metric or "value"
            return PrimaryMetric(name=name, group=self.primary_group,
                                 lower_is_better=bool(self.lower_override
                                                      if self.lower_override is not None
                                                      else self.lower_is_better))
        assert choice.name is not None and choice.lower_is_better is not None
        return PrimaryMetric(name=choice.name, group=self.primary_group,
                             lower_is_better=choice.lower_is_better)

    def with_overrides(self, *, metric: str | None = None, lower_is_better: bool | None = None,
                       timeout_s: float | None = None) -> Template:
        """This template under ``--metric``, ``--lower-is-better/--higher-is-better`` and
        ``--timeout`` (each None: left as the template has it)."""
        update: dict[str, Any] = {"metric_override": metric, "lower_override": lower_is_better}
        if timeout_s is not None:
            update["limits"] = self.limits.model_copy(update={"timeout_s": float(timeout_s)})
            update["limits_from"] = {**self.limits_from, "timeout_s": "--timeout"}
        return self.model_copy(update=update)

    def baseline_info(self) -> FinalInfo | None:
        """The shipped baseline's results (``run_0/final_info.json``), when valid."""
        path = self.baseline_dir / "final_info.json"
        if not path.is_file() or path.is_symlink():
            return None
        try:
            return FinalInfo.parse(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            return None

    def code(self, name: str = "experiment.py") -> str:
        return (self.path / name).read_text(encoding="utf-8")


def resolve_template(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / "experiment.py").exists():
        return candidate.resolve()
    if re.fullmatch(r"[\w.-]+", name_or_path) and (templates_dir() / name_or_path).is_dir():
        return (templates_dir() / name_or_path).resolve()
    known = ", ".join(available_templates()) or "none found"
    raise ConfigError(f"Unknown template {name_or_path!r}. Available: {known}; or pass a folder.")


def read_settings(path: Path) -> dict[str, Any]:
    """``template.toml`` as data ({} when the template has none)."""
    toml_path = path / "template.toml"
    return tomllib.loads(toml_path.read_text(encoding="utf-8")) if toml_path.is_file() else {}


def lower_keys(item: dict[str, Any]) -> dict[str, Any]:
    """Seed ideas use the AI-Scientist capitalised keys (``Name``, ``Title``...)."""
    return {k.lower(): v for k, v in item.items()}


def tree_fingerprint(path: Path) -> tuple[tuple[str, int, int, int, int, int], ...]:
    """Every entry under ``path`` as (name, mode, size, inode, mtime, ctime), unfollowed. Any
    write, rename, replacement or ``touch`` changes it (the ctime cannot be set back)."""
    entries = []
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in (*dirs, *files):
            st = os.lstat(os.path.join(root, name))
            entries.append((os.path.join(root, name), st.st_mode, st.st_size, st.st_ino,
                            st.st_mtime_ns, st.st_ctime_ns))
    return tuple(sorted(entries))


#: Problems of the last checked folders: one run loads its template several times (the CLI's
#: check, the grader warning, the compute plan, the run), each a second of AST walks apart.
_CHECKED: dict[tuple[Any, ...], list[str]] = {}


def template_problems(path: Path) -> list[str]:
    """``check_template(path)``, done again only when a file of the folder or this machine's
    ``[max_limits]`` changed since it was last done in this process."""
    from agents.templates.check import check_template
    from agents.templates.trust import configured_caps

    caps = configured_caps()
    key = (str(path), tree_fingerprint(path), caps.model_dump_json())
    if key not in _CHECKED:
        if len(_CHECKED) > 16:
            _CHECKED.clear()
        _CHECKED[key] = check_template(path, caps=caps)
    return list(_CHECKED[key])


def load_template(name_or_path: str) -> Template:
    path = resolve_template(name_or_path)
    problems = template_problems(path)
    if problems:
        raise TemplateError(f"Template {path.name} is invalid: {problems[0]} "
                            f"(run `aisci template check {path}` for all problems)")
    prompt = json.loads((path / "prompt.json").read_text(encoding="utf-8"))
    seeds = json.loads((path / "seed_ideas.json").read_text(encoding="utf-8"))
    settings = read_settings(path)
    return Template(
        path=path, name=settings.get("name", path.name),
        description=settings.get("description", ""),
        system_prompt=prompt["system"], task_description=prompt["task_description"],
        seed_ideas=[IdeaDraft.model_validate(lower_keys(s)) for s in seeds],
        primary_metric=settings.get("primary_metric"),
        primary_group=settings.get("primary_group", "*"),
        lower_is_better=(bool(settings["lower_is_better"]) if "lower_is_better" in settings
                         else None),
        max_runs=int(settings.get("max_runs", DEFAULT_MAX_RUNS)),
        limits=Limits(**settings.get("limits", {})),
        limits_from=dict.fromkeys(settings.get("limits", {}), "template.toml"),
        seed=SeedControl(**settings.get("seed", {})),
        data_source=str(settings.get("data", "")),
        metric_ranges=_ranges(settings.get("metrics", {})),
        grader=parse_grader(settings.get("grader")),
    )


def _ranges(metrics: Any) -> dict[str, tuple[float | None, float | None]]:
    """``[metrics.<name>] range = [low, high]``; a bound that is no number is no bound."""
    out: dict[str, tuple[float | None, float | None]] = {}
    if not isinstance(metrics, dict):
        return out
    for name, spec in metrics.items():
        bounds = spec.get("range") if isinstance(spec, dict) else None
        if isinstance(bounds, list) and len(bounds) == 2:
            low, high = (float(b) if isinstance(b, int | float) and not isinstance(b, bool)
                         else None for b in bounds)
            out[str(name)] = (low, high)
    return out
