"""What every node of the graph can reach at run time (not checkpointed: rebuilt on resume)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.llm.client import LLMClient
from agents.run_folder import RunFolder
from agents.settings import RunSettings
from agents.templates import Template
from sandbox.base import Sandbox


@dataclass
class RunContext:
    run: RunFolder
    settings: RunSettings
    template: Template
    llm: LLMClient
    sandbox: Sandbox

    def stage(self, name: str) -> None:
        """Mark the stage that the following LLM calls and events belong to."""
        self.llm.stage = name
