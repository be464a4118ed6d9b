"""What a model is asked to do: one name per task, shared by the prompt files, the client and
its events, and the offline model, which chooses its answer by it (never by a prompt's wording).

A task's value is the name its events and transcripts carry; ``prompt`` is its file under
``agents/prompts`` (the tree search's three operations share one).
"""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    IDEATE = "ideate"
    REFLECT_IDEA = "reflect_idea"
    NOVELTY_STEP = "novelty_step"
    PLAN_RUNS = "plan_runs"
    EDIT_CODE = "edit_code"
    FIX_PLOT = "fix_plot"
    UPDATE_PLOT_LABELS = "update_plot_labels"
    SCAFFOLD = "scaffold"
    FIX_SCAFFOLD = "fix_scaffold"
    DRAFT = "draft"
    DEBUG = "debug"
    IMPROVE = "improve"
    WRITE_SECTION = "write_section"
    REFINE_SECTION = "refine_section"
    REVISE_DRAFT_SECTION = "revise_draft_section"
    CHECK_PAPER = "check_paper"
    FIX_LATEX = "fix_latex"
    CHECK_FIGURE = "check_figure"
    CHECK_FIGURE_CODE = "check_figure_code"
    REVIEW = "review"
    REFLECT_REVIEW = "reflect_review"
    META_REVIEW = "meta_review"
    PING = "ping"  # preflight: does the model answer? (no prompt file)
    PROBE_STRUCTURED = "probe_structured"  # preflight: does the server take a schema?

    @property
    def role(self) -> str:
        return _ROLES[self]

    @property
    def prompt(self) -> str:
        """The prompt file, ``<role>/<name>.md`` under ``agents/prompts``."""
        return f"{self.role}/{_FILES.get(self, self.value)}.md"


_ROLES: dict[Task, str] = {
    **dict.fromkeys((Task.IDEATE, Task.REFLECT_IDEA), "ideation"),
    Task.NOVELTY_STEP: "novelty",
    **dict.fromkeys((Task.PLAN_RUNS, Task.EDIT_CODE, Task.FIX_PLOT, Task.UPDATE_PLOT_LABELS,
                     Task.SCAFFOLD, Task.FIX_SCAFFOLD, Task.DRAFT, Task.DEBUG, Task.IMPROVE),
                    "coder"),
    **dict.fromkeys((Task.WRITE_SECTION, Task.REFINE_SECTION, Task.REVISE_DRAFT_SECTION,
                     Task.CHECK_PAPER, Task.FIX_LATEX, Task.CHECK_FIGURE,
                     Task.CHECK_FIGURE_CODE), "writer"),
    **dict.fromkeys((Task.REVIEW, Task.REFLECT_REVIEW, Task.META_REVIEW), "reviewer"),
    **dict.fromkeys((Task.PING, Task.PROBE_STRUCTURED), "doctor"),
}
_FILES: dict[Task, str] = dict.fromkeys((Task.DRAFT, Task.DEBUG, Task.IMPROVE), "tree_step")
