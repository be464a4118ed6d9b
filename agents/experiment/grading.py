"""The template's grader in a run: refusing edits to it, preparing and checking each job.

Every sandbox job of an experiment passes through ``prepare_job`` (the held-out data is
removed from a search job and added, from the template, to a test job; the grader's files are
the sandbox's read-only paths) and ``check_job`` before and after it runs (the sha256 of each
protected file and definition against the template's). A job whose grader is not the
template's gets the verdict ``grader_changed`` and its numbers are not used. Each edit the
grader refuses is an event ``grader_refused``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from agents.domain import EventBase, GraderRefused
from agents.experiment.code_edits import EditGuard
from agents.templates import (
    EXPERIMENT,
    GraderSpec,
    Template,
    edit_problem,
    grader_print,
    restore_layout,
)

#: The test jobs train with fresh seeds (10000, 10001, ...): a search that chose on the
#: training randomness of its seeds (a lucky initialisation) gains nothing from it on test.
TEST_SEEDS_FROM = 10_000
NO_GRADER_WARNING = ("the template declares no grader: the agent could edit the code that "
                     "measures its results, and nothing checks that it did not")


def spec_of(template: Template) -> GraderSpec | None:
    spec = template.grader
    return spec if spec is not None and spec.declared else None


def edit_guard(template: Template) -> EditGuard | None:
    """The check an edit of the coder must pass (None: no grader is declared)."""
    spec = spec_of(template)
    if spec is None:
        return None
    return lambda changed: edit_problem(spec, template.path, changed)


def layout_keeper(template: Template) -> Callable[[str, str], str] | None:
    """What puts the grader's own layout back into an edit (None: no grader)."""
    spec = spec_of(template)
    if spec is None or not spec.functions:
        return None
    return lambda rel, text: restore_layout(spec, template.path, text) if rel == EXPERIMENT \
        else text


def record_refusal(record: Callable[[EventBase], None], idea: str, where: str,
                   reason: str) -> None:
    record(GraderRefused(idea=idea, run=where, stage="edit", reason=reason[:500]))


def prepare_job(template: Template, job_dir: Path, *, test: bool) -> list[str]:
    """Make ``job_dir`` hold exactly what this kind of job may see; its read-only paths."""
    spec = spec_of(template)
    if spec is None:
        return []
    for rel in spec.heldout:
        target = job_dir / rel
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        if test:
            source = template.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
    return spec.readonly(test=test)


def check_job(template: Template, job_dir: Path, *, test: bool) -> list[str]:
    """How ``job_dir``'s grader differs from the template's (empty: it is the template's)."""
    spec = spec_of(template)
    if spec is None:
        return []
    want = grader_print(spec, template.path, heldout=test)
    return want.mismatches(grader_print(spec, job_dir, heldout=test))


def test_command(template: Template) -> list[str]:
    """What the test job adds to the experiment's command."""
    spec = spec_of(template)
    return [spec.test_argument] if spec is not None and spec.test_argument else []
