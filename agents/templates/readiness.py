"""``aisci template check``'s second half: does the template have what a run needs?

``check.py`` says whether the folder is a template (files, JSON, contract). This module says
whether a run of it can work here: its imports in the sandbox image (``packages``), what its
code asks for at run time that a job does not give (``runtime_needs``), its primary metric
(``metric_choice``), its LaTeX skeleton in the paper image (``latex_check``), and with ``--run``
its baseline, run once in the sandbox and timed (``run.compute``). Each finding is a line:
a problem (the run would fail), a note, or information (the metric, the compute).

    >>> for line in check_readiness(Path("templates/tiny_mlp")): print(line.text)
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agents.domain import FinalInfo, ResultsError
from agents.errors import AisciError
from agents.templates import runtime_needs
from agents.templates.latex_check import check_skeleton
from agents.templates.packages import (
    fix_requirements,
    missing_imports,
    read_requirements,
    require_template_image,
)
from agents.templates.template import Template
from sandbox import Limits, SandboxError, SandboxJob

Kind = Literal["problem", "note", "info"]
Log = Callable[[str], None]
OUT = "out"


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    text: str


def check_readiness(template: Template, *, fix: bool = False, run: bool = False,
              log: Log = print) -> list[Finding]:
    """Everything a run of ``template`` needs that it may not have, each in one line."""
    folder = template.path
    found = _packages(folder, fix=fix, log=log)
    no_image = any(f.kind == "problem" for f in found)  # the baseline could not import or start
    found += _runtime(folder, template.limits)
    found += _latex(folder)
    values = template.baseline_info()
    if run and not no_image:
        result, values = _run_baseline(template, log)
        found += result
    found += _metric(template, values)
    return found


def _packages(folder: Path, *, fix: bool, log: Log) -> list[Finding]:
    try:
        reqs = read_requirements(folder)
    except AisciError as exc:
        return [Finding(kind="problem", text=str(exc))]
    report = missing_imports(folder)
    found: list[Finding] = []
    if report.missing and fix:
        try:
            lines = fix_requirements(folder, report.missing, log=log)
            found.append(Finding(kind="info", text=f"requirements.txt now lists {', '.join(lines)}"))
            reqs = lines
        except AisciError as exc:
            return [Finding(kind="problem", text=str(exc))]
    if reqs and fix:
        try:
            tag = require_template_image(folder, build=True, log=log)
            found.append(Finding(kind="info", text=f"packages image {tag}: {', '.join(reqs)}"))
        except (AisciError, SandboxError) as exc:
            return [*found, Finding(kind="problem", text=str(exc))]
        report = missing_imports(folder, image=tag)
    elif reqs:
        found.append(_image_built(folder, reqs, report.image))
    if report.missing:
        where = ", ".join(f"{u.module} ({u.file} line {u.line}; package {u.distribution})"
                          for u in report.missing)
        found.append(Finding(kind="problem", text=(
            f"the sandbox image lacks what the code imports: {where}: `aisci template check "
            f"{folder} --fix` lists the packages in requirements.txt and builds their image")))
    if report.imports:
        found.append(Finding(kind="info", text=f"imports {', '.join(u.module for u in report.imports)}: "
                                               f"{report.method}"))
    return found


def code_findings(folder: Path) -> list[Finding]:
    """What the code needs, for a folder that is not yet a valid template (aisci's default
    limits): said beside the folder's problems, so one check shows everything it can."""
    if not (folder / "experiment.py").is_file():
        return []
    return _packages(folder, fix=False, log=lambda _: None) + _runtime(folder, Limits())


def _image_built(folder: Path, reqs: list[str], tag: str) -> Finding:
    from sandbox import images

    try:
        built = images.image_exists(images.docker_client(timeout=30), tag)
    except SandboxError as exc:
        return Finding(kind="note", text=f"requirements.txt lists {', '.join(reqs)}; whether "
                                         f"its image {tag} is built is unknown: {exc}")
    if built:
        return Finding(kind="info", text=f"requirements.txt lists {', '.join(reqs)} (image {tag})")
    return Finding(kind="problem", text=f"requirements.txt lists {', '.join(reqs)} and their "
                                        f"image {tag} is not built: `aisci template check "
                                        f"{folder} --fix` builds it")


def _runtime(folder: Path, limits: Limits) -> list[Finding]:
    found = []
    fetched = runtime_needs.downloads(folder)
    if fetched:
        found.append(Finding(kind="problem", text=f"downloads at run time ({'; '.join(fetched)}), "
                                                  "and jobs have no network: ship the data in "
                                                  "the template folder"))
    absent = runtime_needs.missing_data(folder)
    if absent:
        found.append(Finding(kind="problem", text=f"reads data it does not ship: {'; '.join(absent)}"))
    cuda = runtime_needs.cuda_only(folder)
    if cuda and limits.gpus == 0:
        found.append(Finding(kind="problem", text=(
            f"asks for a CUDA GPU outright ({', '.join(cuda[:3])}) and its limits give none: "
            "fall back to the CPU when CUDA is missing, or set [limits] gpus in template.toml")))
    where = runtime_needs.out_dir_defined(folder)
    if where and where != "experiment.py":
        found.append(Finding(kind="info", text=f"--out_dir is defined in {where}, which "
                                               "experiment.py imports"))
    return found


def _latex(folder: Path) -> list[Finding]:
    result = check_skeleton(folder)
    if result.compiled:
        return [Finding(kind="info", text="the LaTeX skeleton compiles in the paper image")]
    if result.compiled is None:
        return [Finding(kind="note", text=f"LaTeX skeleton {result.detail}")]
    if result.missing:
        return [Finding(kind="problem", text=f"the LaTeX skeleton needs {', '.join(result.missing)}, "
                                             "which the paper image lacks")]
    return [Finding(kind="problem", text=f"the LaTeX skeleton does not compile: {result.detail}")]


def _metric(template: Template, values: FinalInfo | None) -> list[Finding]:
    choice = template.metric_choice(values)
    if choice.decided:
        return [Finding(kind="info", text=choice.line())]
    if values is None:
        return [Finding(kind="info", text="Primary metric: chosen from the baseline's results "
                                          "(`--run` runs the baseline and shows the choice)")]
    return [Finding(kind="problem", text=choice.line())]


def _run_baseline(template: Template, log: Log) -> tuple[list[Finding], FinalInfo | None]:
    """The template as it is, once (seed 0), in its image, under its limits; timed and kept."""
    from agents.experiment import COPY_IGNORE
    from agents.jobs import save_timing
    from agents.templates.packages import template_image
    from sandbox import DockerSandbox

    image = template_image(template.path)
    command = ["python", "experiment.py", f"--out_dir={OUT}"]
    if template.seed.argument:
        command.append(f"{template.seed.argument}=0")
    log(f"Running the baseline in {image} (timeout {template.limits.timeout_s:g} s)")
    with tempfile.TemporaryDirectory(prefix="aisci-baseline-") as tmp:
        work = Path(tmp) / "job"
        shutil.copytree(template.path, work, ignore=COPY_IGNORE, symlinks=True)
        (work / OUT).mkdir(exist_ok=True)
        job = SandboxJob(workdir=work, command=command, image=image, limits=template.limits,
                         labels={"idea": "template-check"},
                         expected_files=[f"{OUT}/final_info.json"])
        try:
            result = DockerSandbox(image).run(job)
        except SandboxError as exc:
            return [Finding(kind="problem", text=f"the baseline could not run: {exc}")], None
        info, problem = None, ""
        if result.ok:
            try:
                info = FinalInfo.parse(json.loads((work / OUT / "final_info.json").read_text()))
            except (ResultsError, ValueError, OSError) as exc:
                problem = f"its final_info.json does not meet the contract: {exc}"
    timing = save_timing(template.path, result.duration_s, verdict=result.verdict,
                         by="aisci template check --run", image=image, final_info=info)
    if info is None:
        last = next((ln.strip() for ln in reversed(result.stdout_tail.splitlines())
                     if ln.strip()), "")
        said = f"; its last output: {last[:160]!r}" if last else ""
        if result.verdict == "timeout":
            source = template.limits_from.get("timeout_s", "aisci's default")
            return [Finding(kind="problem", text=(
                f"the baseline ran in the sandbox until the {template.limits.timeout_s:g} s "
                f"timeout ({source}) without finishing{said}: give it more time with --timeout "
                "(or [limits] timeout_s in template.toml)"))], None
        why = problem or result.feedback()[-400:].replace("\n", " | ")
        return [Finding(kind="problem", text=f"the baseline failed after {timing.seconds:.0f} s: "
                                             f"{why}{said}")], None
    groups = ", ".join(info.groups[:6])
    return [Finding(kind="info", text=f"the baseline ran in {timing.seconds:.1f} s ({image}): "
                                      f"groups {groups}; metrics {', '.join(info.metrics)}")], info
