"""A template-free run (``aisci run TOPIC --from-scratch``): the coder writes the experiment.

The graph's ``scaffold`` node, before the baseline: the coder writes ``experiment.py`` and
``plot.py`` for the topic (data generated in code or bundled in scikit-learn). It writes the
science only: the settings, ``GROUPS``, ``SEEDS`` and ``run_one(group, seed)``; aisci appends
the command line and the final_info.json writer (``agents.scaffold.harness``). A reply that
is a whole program with its own ``--out_dir`` and final_info.json is taken as written. Seed 0
of the new experiment runs in the sandbox as the check (all of its own seeds if it takes no
``--seed``): it must exit 0 and write a ``final_info.json`` that keeps the contract and holds
the named primary metric, and run again it must give the same primary metric (a comparison of
variants means nothing when one seed gives different numbers each time). A failed check goes
back to the coder with its error, up to ``--max-attempts`` in all (a reply that stays unusable
after its repairs is a failed attempt too). Every attempt stays in the run folder
(``scaffold/attempt_<k>/``, with ``scaffold/scaffold.json``); the one that passed becomes the
run's template in ``template/``, with a ``template.toml``, ``prompt.json``, an empty
``seed_ideas.json`` and the generic LaTeX skeleton, and the run goes on as from any template. A
plot script that does not parse is replaced by the generic one, and well-known names read
without their import get it (``agents.scaffold.imports``); both are recorded.
"""

from __future__ import annotations

import ast
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.config import DEFAULT_TEMPERATURES, ModelSettings
from agents.domain import ScaffoldAttempt, contract_problems, slugify
from agents.errors import AisciError, StructuredOutputError
from agents.jobs import JobRunner
from agents.llm import LLMClient, ReplyError, copied_line, current_stage
from agents.prompts import Task, render
from agents.run import RunFolder, atomic_write_text, copy_tree
from agents.scaffold.harness import defines_entry, with_harness, without_main_guard
from agents.scaffold.hints import hints
from agents.scaffold.imports import missing_imports, with_imports
from sandbox import Limits

TEMPLATE_DIR = "template"
WORK_DIR = "scaffold"
MAX_ATTEMPTS = 3  # the default; --max-attempts sets it
REPEAT_TEMPERATURE = 0.8  # a fix that repeats a failed attempt's code is asked for again, hotter
LIMITS = Limits(timeout_s=300, memory_mb=2048, cpus=1)
SKELETON = Path(__file__).resolve().parent.parent / "templates" / "skeleton"
SYSTEM = ("You are an ambitious machine-learning researcher who runs careful, small, "
          "well-controlled experiments and reports exactly what the numbers show.")

_LINE = r"^[\s*_>#-]*{}[\s*_]*:[\s*_]*(.+?)\s*$"
_FILE_BLOCK = re.compile(r"(experiment\.py|plot\.py)[^\n]*\n+\s*```[\w+-]*\n(.*?)```", re.DOTALL)
_ANY_BLOCK = re.compile(r"```[\w+-]*\n(.*?)```", re.DOTALL)


class Scaffold(BaseModel):
    """What the coder wrote: the primary metric, the data, and the two files."""

    metric: str
    lower_is_better: bool
    data: str
    description: str
    body: str  # the coder's experiment.py: the science (with run_one), or a whole program
    plot: str
    plot_generated: bool = False  # the coder's plot.py did not parse: the generic one stands in
    harness: bool = True  # aisci's results contract is appended (agents.scaffold.harness)

    @property
    def experiment(self) -> str:
        """The whole experiment.py as it runs."""
        return with_harness(self.body) if self.harness else self.body

    @property
    def takes_seed(self) -> bool:
        """Does experiment.py take --seed? If not, each run is one job over its own seeds (a
        template without a seed control, as the template contract allows)."""
        return "--seed" in self.experiment


class ScaffoldFailed(AisciError):
    """The coder did not produce an experiment that runs (recorded in scaffold.json)."""


def _line(text: str, name: str) -> str:
    found = re.search(_LINE.format(name), text, re.IGNORECASE | re.MULTILINE)
    return found.group(1).strip() if found else ""


def _parses(code: str) -> str | None:
    try:
        ast.parse(code)  # parsed only, never run on the host
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None


def read_scaffold(text: str) -> Scaffold:
    """The coder's reply; ``ReplyError`` says precisely what is missing."""
    metric_line = _line(text, "metric")
    for label in ("metric", "data", "description"):
        copied = copied_line(_line(text, label))
        if copied:  # the prompt's placeholder: it would name the metric or describe the data
            raise ReplyError(f"the line '{label.title()}: ...' copies {copied}; write this "
                             f"experiment's own {label}")
    name = re.match(r"`?([A-Za-z_]\w*)`?", metric_line)
    if not name:
        raise ReplyError("there is no line 'Metric: <name> (higher is better)' naming the "
                         "primary metric as it appears in final_info.json")
    files = {f: body for f, body in _FILE_BLOCK.findall(text)}
    blocks = _ANY_BLOCK.findall(text)
    experiment = files.get("experiment.py") or (blocks[0] if blocks else "")
    if not experiment.strip():
        raise ReplyError("experiment.py is missing: put the whole file in one ```python block "
                         "under a line 'experiment.py'")
    problem = _parses(experiment)
    if problem:
        raise ReplyError(f"experiment.py does not parse ({problem})")
    harness = defines_entry(ast.parse(experiment))
    if harness:
        experiment = without_main_guard(experiment)
    elif "--out_dir" not in experiment or "final_info" not in experiment:
        raise ReplyError("experiment.py defines no function run_one(group, seed) that returns a "
                         "dict of metric name to number")
    plot = files.get("plot.py") or (blocks[1] if len(blocks) > 1 else "")
    generated = not plot.strip() or _parses(plot) is not None or "savefig" not in plot
    if generated:
        plot = (SKELETON / "plot.py").read_text(encoding="utf-8")
    return Scaffold(metric=name.group(1), lower_is_better="lower" in metric_line.lower(),
                    data=_line(text, "data") or "data generated in the experiment's code",
                    description=_line(text, "description") or "An experiment written from scratch.",
                    body=experiment.rstrip() + "\n", plot=plot.rstrip() + "\n",
                    plot_generated=generated, harness=harness)


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def _as_written(means: list[object], metric: str) -> str:
    """``metric`` as the groups' means spell it, when the two differ only in case, spaces or
    underscores ("Accuracy" for "accuracy"); else ``metric`` unchanged."""
    names = {k for m in means if isinstance(m, dict) for k in m}
    if metric in names:
        return metric
    same = sorted(n for n in names if _key(n) == _key(metric))
    return same[0] if len(same) == 1 else metric


def baseline_problems(info_path: Path, metric: str) -> tuple[str, list[str]]:
    """The primary metric as seed 0's final_info.json spells it, and what is wrong with that
    file (nothing when it keeps the contract)."""
    if not info_path.is_file():
        return metric, ["experiment.py exited 0 but wrote no <out_dir>/final_info.json"]
    try:
        data = json.loads(info_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return metric, [f"final_info.json is not valid JSON ({exc})"]
    problems = contract_problems(data)
    if not problems:
        means = [g.get("means") for g in data.values()]
        metric = _as_written(means, metric)
        if not any(isinstance(m, dict) and metric in m for m in means):
            problems.append(f"the primary metric {metric!r} is in no group's means "
                            f"(they hold: {sorted({k for m in means if isinstance(m, dict) for k in m})})")
    return metric, problems


def _same_code(a: str, b: str) -> bool:
    return [line.rstrip() for line in a.strip().splitlines()] == \
        [line.rstrip() for line in b.strip().splitlines()]


def _add_imports(scaffold: Scaffold) -> list[str]:
    """The usual imports for well-known names the files read but never bind, added (and
    returned, to be recorded with the attempt)."""
    added = []
    for field, name in (("body", "experiment.py"), ("plot", "plot.py")):
        code = getattr(scaffold, field)
        lines = missing_imports(code)
        if lines:
            setattr(scaffold, field, with_imports(code, lines))
            added += [f"{name}: {line}" for line in lines]
    return added


def _draft(topic: str) -> list[dict[str, Any]]:
    """The question for a new experiment (the first attempt, and each that starts afresh)."""
    return render(Task.SCAFFOLD, topic=topic, timeout=str(int(LIMITS.timeout_s)))


def _hotter(settings: ModelSettings) -> ModelSettings:
    current = settings.temperature if settings.temperature is not None else \
        DEFAULT_TEMPERATURES["coder"]
    return settings.model_copy(update={"temperature": max(REPEAT_TEMPERATURE, current)})


async def scaffold_template(run: RunFolder, topic: str, llm: LLMClient, jobs: JobRunner,
                            *, max_attempts: int = MAX_ATTEMPTS) -> Path:
    """The run's template folder, written by the coder and checked in the sandbox.

    A fix that returns the code of an attempt that already failed is not run again: it is
    recorded as failed, and the next attempt is a new draft, sampled hotter. An attempt whose
    reply stays unusable after its repairs is failed too, and the next starts afresh."""
    target = run.path / TEMPLATE_DIR  # a resume knows it is written from the graph's checkpoint
    token = current_stage.set("scaffold")
    attempts: list[dict[str, object]] = []
    tried: list[tuple[str, list[str]]] = []  # each attempt's experiment.py and its problems
    sampling = llm.settings_for("coder")
    try:
        task, messages = Task.SCAFFOLD, _draft(topic)
        for attempt in range(1, max_attempts + 1):
            try:
                scaffold = await llm.ask("coder", task, messages, read_scaffold,
                                         what="experiment", settings=sampling,
                                         repair_hint="Reply again in the shape asked for: the "
                                         "Metric:, Data: and Description: lines, then experiment.py "
                                         "(with def run_one(group, seed)) and plot.py, each whole "
                                         "in one ```python block.")
            except StructuredOutputError as exc:  # a failed attempt: the next starts afresh
                attempts.append({"attempt": attempt, "verdict": "no_usable_reply", "detail": str(exc)})
                run.event(ScaffoldAttempt(attempt=attempt, ok=False, problems=[exc.problem]))
                sampling = _hotter(sampling)
                task, messages = Task.SCAFFOLD, _draft(topic)
                continue
            added = _add_imports(scaffold)
            repeated = next((k for k, (code, _) in enumerate(tried, start=1)
                             if _same_code(code, scaffold.body)), None)
            if repeated is not None:
                problems = [f"experiment.py is the same as in attempt {repeated}, which failed; "
                            "it was not run again", *tried[repeated - 1][1]]
                sampling = _hotter(sampling)
            else:
                problems = await _check(run, jobs, attempt, scaffold)
                problems = problems + hints(problems) if problems else problems
            tried.append((scaffold.body, problems))
            attempts.append({"attempt": attempt, "metric": scaffold.metric,
                             "plot_generated": scaffold.plot_generated, "repeats": repeated,
                             "added_imports": added,
                             "verdict": "ok" if not problems else "failed", "problems": problems})
            run.event(ScaffoldAttempt(attempt=attempt, ok=not problems, metric=scaffold.metric,
                                      problems=problems[:3]))
            if not problems:
                _write_template(target, topic, scaffold)
                return target
            if repeated is not None:  # shown its code, the model copies it: a new draft instead
                task, messages = Task.SCAFFOLD, _draft(topic)
                continue
            task = Task.FIX_SCAFFOLD
            messages = render(task, topic=topic, experiment=scaffold.body,
                              attempt=str(attempt), feedback="\n".join(problems)[-2500:],
                              metric=f"{scaffold.metric} ({'lower' if scaffold.lower_is_better else 'higher'}"
                                     " is better)")
    finally:
        current_stage.reset(token)
        atomic_write_text(run.path / WORK_DIR / "scaffold.json", json.dumps(attempts, indent=1))
    raise ScaffoldFailed(f"the coder wrote no experiment that runs in {len(attempts)} attempt(s); "
                         f"each attempt and its problems are in {run.path / WORK_DIR}")


async def _check(run: RunFolder, jobs: JobRunner, attempt: int, scaffold: Scaffold) -> list[str]:
    work = run.path / WORK_DIR / f"attempt_{attempt}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "experiment.py").write_text(scaffold.experiment, encoding="utf-8")
    (work / "plot.py").write_text(scaffold.plot, encoding="utf-8")
    first = await _run_seed_0(jobs, work, scaffold, "run_0", f"scaffold_{attempt}")
    if first is not None:
        return [first]
    scaffold.metric, problems = baseline_problems(work / "run_0" / "final_info.json",
                                                  scaffold.metric)
    if problems:
        return problems
    # The same seed again, into another folder (so not from the cache): a comparison of two
    # variants means nothing if one seed gives different numbers each time.
    again = await _run_seed_0(jobs, work, scaffold, REPEAT_DIR, f"scaffold_{attempt}_again")
    if again is not None:
        return [f"seed 0 ran once, but failed when run again: {again}"]
    return _unrepeatable(work, scaffold.metric)


REPEAT_DIR = "run_0_again"
REPEAT_TOLERANCE = 1e-6  # relative: float sums in another order may differ in the last digits


async def _run_seed_0(jobs: JobRunner, work: Path, scaffold: Scaffold, out: str,
                      what: str) -> str | None:
    """Seed 0 of the experiment into ``work/out``; the sandbox's feedback if it failed."""
    (work / out).mkdir()  # as for every run (agents.experiment.variants)
    command = ["python", "experiment.py", f"--out_dir={out}"]
    if scaffold.takes_seed:
        command.append("--seed=0")
    outcome = await jobs.run(work, command, LIMITS, labels={"idea": "scaffold"}, outputs=out,
                             expected_files=(f"{out}/final_info.json",), what=what)
    if outcome.result.verdict not in ("ok", "missing_results"):
        return outcome.result.feedback()
    return None


def _unrepeatable(work: Path, metric: str) -> list[str]:
    """What differs in the primary metric between the two runs of seed 0 (nothing when equal)."""
    def means(folder: str) -> dict[str, object]:
        try:
            data = json.loads((work / folder / "final_info.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return {g: v.get("means", {}).get(metric) for g, v in data.items() if isinstance(v, dict)}

    def same(a: object, b: object) -> bool:
        return isinstance(a, int | float) and isinstance(b, int | float) and \
            math.isclose(a, b, rel_tol=REPEAT_TOLERANCE)

    first, second = means("run_0"), means(REPEAT_DIR)
    differing = [f"{group}: {a} then {second.get(group)}" for group, a in first.items()
                 if not same(a, second.get(group))]
    if not differing:
        return []
    return [f"seed 0 gave a different {metric} when run again ({'; '.join(differing[:3])}): "
            "some random choice does not use the seed. Pass random_state=seed (scikit-learn) or "
            "a generator made from the seed (np.random.default_rng(seed), torch.manual_seed) "
            "to everything random."]


def _write_template(target: Path, topic: str, scaffold: Scaffold) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    copy_tree(SKELETON / "latex", partial / "latex")
    (partial / "experiment.py").write_text(scaffold.experiment, encoding="utf-8")
    (partial / "plot.py").write_text(scaffold.plot, encoding="utf-8")
    (partial / "prompt.json").write_text(json.dumps(
        {"system": SYSTEM, "task_description": f"Written from scratch for the topic \"{topic}\". "
         f"{scaffold.description} Data: {scaffold.data}."}, indent=2), encoding="utf-8")
    (partial / "seed_ideas.json").write_text("[]\n", encoding="utf-8")
    name = slugify(topic)
    toml = "\n".join([
        f"name = {json.dumps('from_scratch_' + name)}",
        f"description = {json.dumps(scaffold.description)}",
        f"primary_metric = {json.dumps(scaffold.metric)}",
        'primary_group = "*"',
        f"lower_is_better = {str(scaffold.lower_is_better).lower()}",
        "max_runs = 2",
        f"data = {json.dumps(scaffold.data)}",
        *(["", "[seed]", 'argument = "--seed"'] if scaffold.takes_seed else []),
        "", "[limits]", f"timeout_s = {int(LIMITS.timeout_s)}", f"memory_mb = {LIMITS.memory_mb}",
        "cpus = 1", "gpus = 0", ""])
    (partial / "template.toml").write_text(toml, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
