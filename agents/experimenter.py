"""The experiment agent: turn one idea into runs of the edited template in the sandbox.

Per run it asks the coder model for edits, checks them, runs the edited copy in the sandbox,
and feeds the verdict (and the end of stderr) back on failure, up to ``max_attempts`` tries.
The idea's ``code/`` folder always holds the last version that ran successfully. Failures are
data (recorded in the outcome), never exceptions; only sandbox infrastructure faults raise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from agents.code_edits import apply_edits, unified_diff
from agents.context import RunContext
from agents.llm.prompt_blocks import block
from agents.models import CodeChangeReply, ExperimentRun, Idea, IdeaOutcome
from agents.prompts import render
from agents.run_folder import atomic_write_json, atomic_write_text
from agents.templates import validate_final_info
from sandbox.base import SandboxJob, SandboxResult

_COPY_IGNORE = shutil.ignore_patterns("run_*", "latex", "*.png", "__pycache__", "*.diff", ".*")
_baseline_locks: dict[str, asyncio.Lock] = {}


def _code_files(code_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(code_dir)) for p in code_dir.rglob("*.py"))


def cache_key(code_dir: Path, job: SandboxJob, ctx: RunContext) -> str:
    """What determines a job's result: code, command, limits, and the sandbox environment."""
    h = hashlib.sha256()
    for rel in _code_files(code_dir):
        h.update(rel.encode() + b"\0" + (code_dir / rel).read_bytes() + b"\0")
    h.update(json.dumps([job.command, job.limits.model_dump(), ctx.sandbox.describe()],
                        sort_keys=True).encode())
    return h.hexdigest()[:24]


async def run_in_sandbox(ctx: RunContext, code_dir: Path, out_name: str, dest: Path,
                         labels: dict[str, str]) -> tuple[SandboxResult, bool]:
    """Run ``experiment.py --out_dir=<out_name>`` on a copy of ``code_dir``; results to ``dest``.

    Returns the result and whether it came from the cache (same code, same sandbox).
    """
    job_dir = dest.parent / ".jobs" / dest.name
    shutil.rmtree(job_dir, ignore_errors=True)
    shutil.copytree(code_dir, job_dir, ignore=_COPY_IGNORE)
    job = SandboxJob(
        workdir=job_dir, command=["python", "experiment.py", f"--out_dir={out_name}"],
        limits=ctx.template.limits, env={"PYTHONHASHSEED": "0"},
        labels={"run_id": ctx.run.id, **labels},
        expected_files=[f"{out_name}/final_info.json"],
    )
    key = cache_key(job_dir, job, ctx)
    cached = ctx.run.path / "cache" / "sandbox" / key
    from_cache = (cached / "result.json").exists()
    if from_cache:
        result = SandboxResult.model_validate_json((cached / "result.json").read_text())
        if (cached / "out").exists():
            shutil.copytree(cached / "out", job_dir / out_name, dirs_exist_ok=True)
    else:
        result = await asyncio.to_thread(ctx.sandbox.run, job)
        if (job_dir / out_name).is_dir():
            shutil.copytree(job_dir / out_name, cached / "out", dirs_exist_ok=True)
        atomic_write_text(cached / "result.json", result.model_dump_json(indent=1))
    if result.ok:
        problems = validate_final_info(_load_json(job_dir / out_name / "final_info.json"))
        if problems:
            result = result.model_copy(update={"verdict": "missing_results",
                                               "detail": "; ".join(problems)})
    shutil.rmtree(dest, ignore_errors=True)
    if (job_dir / out_name).is_dir():
        shutil.move(str(job_dir / out_name), dest)
    dest.mkdir(parents=True, exist_ok=True)
    atomic_write_text(dest / "sandbox.json", result.model_dump_json(indent=1))
    atomic_write_text(dest / "stdout.txt", result.stdout_tail)
    atomic_write_text(dest / "stderr.txt", result.stderr_tail)
    shutil.rmtree(job_dir, ignore_errors=True)
    ctx.run.event("sandbox_run", idea=labels.get("idea"), run=dest.name,
                  verdict=result.verdict, exit_code=result.exit_code, cached=from_cache,
                  backend=result.backend, image=result.image, container=result.container,
                  duration_s=result.duration_s)
    return result, from_cache


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


async def baseline(ctx: RunContext, idea_dir: Path) -> ExperimentRun:
    """run_0: the template's committed baseline, or one sandbox run shared by every idea."""
    t = ctx.template
    source = t.baseline_dir
    if not (source / "final_info.json").exists():
        shared = ctx.run.path / "baseline" / "run_0"
        lock = _baseline_locks.setdefault(str(shared), asyncio.Lock())
        async with lock:
            if not (shared / "final_info.json").exists():
                result, _ = await run_in_sandbox(ctx, t.path, "run_0", shared,
                                                 {"idea": "baseline"})
                if not result.ok:
                    return ExperimentRun(index=0, description="Baseline", verdict=result.verdict,
                                         feedback=result.feedback())
        source = shared
    dest = idea_dir / "run_0"
    shutil.copytree(source, dest, dirs_exist_ok=True)
    info = _load_json(dest / "final_info.json")
    return ExperimentRun(index=0, description="Baseline", verdict="ok", final_info=info,
                         primary=t.primary_value(info))


async def run_idea(ctx: RunContext, idea: Idea) -> IdeaOutcome:
    """All runs of one idea. A finished idea is not redone (its outcome.json is reused); an
    unfinished one starts again from a clean copy of the template, its sandbox runs cached."""
    t = ctx.template
    idea_dir = ctx.run.idea_dir(idea.name)
    done = idea_dir / "outcome.json"
    if done.exists():
        return IdeaOutcome.model_validate_json(done.read_text(encoding="utf-8"))
    code_dir = idea_dir / "code"
    partial = idea_dir / ".code.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(t.path, partial, ignore=_COPY_IGNORE)
    shutil.rmtree(code_dir, ignore_errors=True)
    partial.rename(code_dir)  # a kill during the copy leaves no half-filled code/ behind
    runs = [await baseline(ctx, idea_dir)]
    if runs[0].verdict != "ok":
        return _finish(ctx, idea, idea_dir, runs, "failed",
                       f"the baseline did not run: {runs[0].feedback}")
    max_runs = ctx.settings.max_runs or t.max_runs
    history: list[dict[str, Any]] = []
    for index in range(1, max_runs + 1):
        run = await _one_run(ctx, idea, idea_dir, code_dir, index, max_runs, history, runs[0])
        if run is None:
            break
        runs.append(run)
    ok_runs = [r for r in runs[1:] if r.verdict == "ok"]
    if not ok_runs:
        reason = "no run beyond the baseline succeeded" + (
            f"; last failure: {failure_summary(history[-1]['feedback'])}" if history else "")
        return _finish(ctx, idea, idea_dir, runs, "failed", reason)
    return _finish(ctx, idea, idea_dir, runs, "done", "")


async def _one_run(ctx: RunContext, idea: Idea, idea_dir: Path, code_dir: Path, index: int,
                   max_runs: int, history: list[dict[str, Any]],
                   base: ExperimentRun) -> ExperimentRun | None:
    """Plan, edit, and run ``run_<index>`` with up to ``max_attempts`` tries; None when done."""
    last: ExperimentRun | None = None
    for attempt in range(1, ctx.settings.max_attempts + 1):
        code = "\n".join(block("code", (code_dir / rel).read_text(encoding="utf-8"), path=rel)
                         for rel in _code_files(code_dir))
        messages = render(
            "coder", "edit_code", system={"template_system": ctx.template.system_prompt},
            run_index_text=str(index), max_runs_text=str(max_runs),
            idea=block("idea", idea.model_dump(include={"name", "title", "experiment"})),
            run_index=block("run_index", str(index)), max_runs=block("max_runs", str(max_runs)),
            history=block("history", history), code=code,
        )
        reply = await ctx.llm.structured("coder", "edit_code", messages, CodeChangeReply)
        if reply.done:
            return last
        candidate = idea_dir / ".jobs" / f"candidate_{index}"
        shutil.rmtree(candidate, ignore_errors=True)
        shutil.copytree(code_dir, candidate)
        edit = apply_edits(candidate, reply.edits)
        description = reply.description or f"run {index}"
        if not edit.ok:
            last = ExperimentRun(index=index, description=description, verdict="error",
                                 attempts=attempt, feedback=f"edit rejected: {edit.reason}")
        else:
            diff = unified_diff(ctx.template.path, candidate, _code_files(candidate))
            result, cached = await run_in_sandbox(
                ctx, candidate, f"run_{index}", idea_dir / f"run_{index}",
                {"idea": idea.name})
            info = _load_json(idea_dir / f"run_{index}" / "final_info.json") if result.ok else None
            last = ExperimentRun(
                index=index, description=description, verdict=result.verdict, attempts=attempt,
                final_info=info, primary=ctx.template.primary_value(info),
                duration_s=result.duration_s, diff=diff, feedback=result.feedback(),
                image=result.image, container=result.container, cached=cached)
            atomic_write_text(code_dir / f"run_{index}.diff", diff)
            if result.ok:
                for rel in _code_files(candidate):  # keep the version that ran
                    shutil.copy2(candidate / rel, code_dir / rel)
        shutil.rmtree(candidate, ignore_errors=True)
        history.append({"run": index, "attempt": attempt, "description": description,
                        "verdict": last.verdict, "primary": last.primary,
                        "baseline_primary": base.primary, "feedback": last.feedback[-1500:]})
        if last.verdict == "ok":
            return last
    return last


def _finish(ctx: RunContext, idea: Idea, idea_dir: Path, runs: list[ExperimentRun],
            status: str, reason: str) -> IdeaOutcome:
    atomic_write_json(idea_dir / "labels.json",
                      {f"run_{r.index}": r.description for r in runs if r.verdict == "ok"})
    atomic_write_text(idea_dir / "notes.md", notes(ctx, idea, runs, status, reason))
    atomic_write_json(idea_dir / "runs.json", runs)
    outcome = IdeaOutcome(idea=idea, status=status, reason=reason, runs=runs)  # type: ignore[arg-type]
    atomic_write_text(idea_dir / "outcome.json", outcome.model_dump_json(indent=1))
    return outcome


def failure_summary(feedback: str) -> str:
    """The verdict line and the last line of stderr (usually the exception)."""
    lines = [line.strip() for line in feedback.splitlines() if line.strip()]
    if not lines:
        return "no output"
    return lines[0] if len(lines) == 1 else f"{lines[0]}: {lines[-1][:200]}"


def notes(ctx: RunContext, idea: Idea, runs: list[ExperimentRun], status: str,
          reason: str) -> str:
    t = ctx.template
    base = runs[0].primary
    better = "lower" if t.lower_is_better else "higher"
    lines = [f"# {idea.title}", "", f"Idea: `{idea.name}`. {idea.experiment}", "",
             f"Primary metric: `{t.primary_metric}` ({better} is better; "
             f"{'mean over groups' if t.primary_group == '*' else 'group ' + t.primary_group}).",
             "", "| run | change | verdict | attempts | primary | vs baseline |",
             "|---|---|---|---|---|---|"]
    for r in runs:
        delta = ""
        if r.primary is not None and base is not None and r.index > 0:
            verdict = "better" if t.better(r.primary, base) else "not better"
            delta = f"{r.primary - base:+.4f} ({verdict})"
        primary = f"{r.primary:.4f}" if r.primary is not None else "-"
        lines.append(f"| run_{r.index} | {r.description} | {r.verdict} | {r.attempts} | "
                     f"{primary} | {delta} |")
    failures = [r for r in runs if r.verdict != "ok"]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- run_{r.index} ({r.description}): {failure_summary(r.feedback)}"
                  for r in failures]
    lines += ["", f"Status: **{status}**" + (f" ({reason})" if reason else "")]
    return "\n".join(lines) + "\n"
