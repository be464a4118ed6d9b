"""Cost estimates before money is spent: for ``--dry-run`` and for the budget check per stage.

Calls per stage follow from the settings; tokens per call are typical figures: prompt sizes as
measured on the shipped templates' prompts, completion sizes as hosted models tend to answer
(longer than the offline model's). Estimates are deliberately on the high side.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agents.config import RunSettings
from agents.llm import is_offline_model, litellm, offline_cost

#: (prompt tokens, completion tokens) of one call, per task.
TASK_TOKENS: dict[str, tuple[int, int]] = {
    "ideate": (3500, 1500), "reflect_idea": (3000, 500), "novelty_step": (2500, 300),
    "plan_runs": (3000, 300), "edit_code": (4000, 900), "fix_plot": (2000, 600),
    "write_section": (4000, 700), "refine_section": (3000, 700), "check_paper": (6000, 500),
    "fix_latex": (1500, 700), "review": (7000, 900), "reflect_review": (8000, 900),
    "meta_review": (3000, 500), "check_figure": (2500, 200),
}
#: Which role makes which task, and in which stage.
TASK_STAGE_ROLE = {
    "ideate": ("ideate", "ideation"), "reflect_idea": ("ideate", "ideation"),
    "novelty_step": ("check_novelty", "novelty"), "plan_runs": ("experiment", "coder"),
    "edit_code": ("experiment", "coder"), "fix_plot": ("plot", "coder"),
    "write_section": ("write_paper", "writer"), "refine_section": ("write_paper", "writer"),
    "check_paper": ("write_paper", "writer"), "fix_latex": ("write_paper", "writer"),
    "review": ("review", "reviewer"), "reflect_review": ("review", "reviewer"),
    "meta_review": ("review", "reviewer"), "check_figure": ("plot", "writer"),
}
ATTEMPTS_PER_RUN = 1.5  # edits that fail and are fixed
SECTIONS = 8
FIGURES = 3  # per idea, as the shipped templates draw them


class Estimate(BaseModel):
    by_stage: dict[str, float]
    calls: int
    prompt_tokens: int
    completion_tokens: int
    unpriced_models: list[str]

    @property
    def total(self) -> float:
        return round(sum(self.by_stage.values()), 6)


def calls_per_task(settings: RunSettings, max_runs: int) -> dict[str, float]:
    ideas = settings.num_ideas
    versions = 1 + settings.revise
    return {
        "ideate": 1, "reflect_idea": ideas * settings.reflections,
        "novelty_step": ideas * settings.novelty_rounds, "plan_runs": ideas,
        "edit_code": ideas * max_runs * ATTEMPTS_PER_RUN, "fix_plot": ideas * 0.5,
        "write_section": ideas * SECTIONS * versions,
        "refine_section": ideas * SECTIONS * versions * 0.5,
        "check_paper": ideas * versions, "fix_latex": ideas * versions * 0.25,
        "review": ideas * settings.num_reviewers * versions,
        "reflect_review": ideas * settings.num_reviewers * versions * settings.review_reflections,
        "meta_review": ideas * versions,
        "check_figure": ideas * FIGURES * (1 + settings.figure_fixes * 0.5),
    }


def price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """USD for the tokens on ``model``, or None when litellm knows no price for it. The offline
    model's notional prices are known here: pricing it does not import litellm (seconds)."""
    if is_offline_model(model):
        return offline_cost(prompt_tokens, completion_tokens)
    llm = litellm()
    try:
        prompt_cost, completion_cost = llm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    except Exception:  # litellm raises for models it has no price for
        return None
    return float(prompt_cost + completion_cost)


def run_estimate(settings: RunSettings, max_runs: int) -> Estimate:
    models = settings.models_by_role()
    by_stage: dict[str, float] = {}
    unpriced: set[str] = set()
    totals: dict[str, Any] = {"calls": 0.0, "prompt": 0.0, "completion": 0.0}
    for task, count in calls_per_task(settings, max_runs).items():
        stage, role = TASK_STAGE_ROLE[task]
        prompt, completion = (int(count * n) for n in TASK_TOKENS[task])
        totals["calls"] += count
        totals["prompt"] += prompt
        totals["completion"] += completion
        model = models[role].model
        cost = price(model, prompt, completion)
        if cost is None:
            unpriced.add(model)
            cost = 0.0
        by_stage[stage] = round(by_stage.get(stage, 0.0) + cost, 6)
    return Estimate(by_stage=by_stage, calls=round(totals["calls"]),
                    prompt_tokens=int(totals["prompt"]), completion_tokens=int(totals["completion"]),
                    unpriced_models=sorted(unpriced))
