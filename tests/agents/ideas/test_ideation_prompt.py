"""The ideation prompt shows a template's seed ideas as examples, and says nothing of them when
the template has none: shown "(none)", the 1.5B model answered {"ideas": []} three times."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agents.ideas.ideation import ideate_messages
from agents.templates.template import templates_dir
from agents.workflow.roles import ideator
from tests.support import offline_context


def _prompt(ctx: Any) -> str:
    return "\n".join(m["content"] for m in ideate_messages(ideator(ctx), "a topic"))


def test_seed_ideas_are_shown_as_examples(tmp_path: Path) -> None:
    ctx: Any = offline_context(tmp_path)
    assert ctx.template.seed_ideas
    prompt = _prompt(ctx)
    assert "ideas that come with the template" in prompt
    assert all(s.name in prompt for s in ctx.template.seed_ideas)


def test_a_template_without_seed_ideas_gets_no_empty_example(tmp_path: Path) -> None:
    template = tmp_path / "no_seed_ideas"  # as a template written from scratch has it
    shutil.copytree(templates_dir() / "tiny_mlp", template)
    (template / "seed_ideas.json").write_text("[]\n")
    ctx: Any = offline_context(tmp_path, template=str(template))
    assert not ctx.template.seed_ideas
    prompt = _prompt(ctx)
    assert "ideas that come with the template" not in prompt and "(none)" not in prompt
    assert "Propose 2 new research ideas" in prompt
