"""Settings of one run: what the user chose, recorded in run.json and used by every node."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.llm.client import ROLES, ModelSettings

SandboxBackend = Literal["docker", "local"]
Checkpoint = Literal["ideas", "paper"]


class RunSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str = Field(min_length=1)
    template: str
    model: ModelSettings
    role_models: dict[str, ModelSettings] = Field(default_factory=dict)
    num_ideas: int = Field(default=2, ge=1, le=20)
    reflections: int = Field(default=1, ge=0, le=5)
    novelty_rounds: int = Field(default=3, ge=1, le=10)
    include_not_novel: bool = False
    literature: str = "auto"
    max_runs: int | None = Field(default=None, ge=1, le=20)
    max_attempts: int = Field(default=3, ge=1, le=10, description="tries per run, fixes included")
    parallel: int = Field(default=2, ge=1, le=64)
    num_reviewers: int = Field(default=3, ge=1, le=10)
    revise: int = Field(default=0, ge=0, le=5)
    sandbox: SandboxBackend = "docker"
    approve: list[Checkpoint] = Field(default_factory=list, description="pause for a person here")
    max_cost: float | None = Field(default=None, gt=0, description="USD budget of the whole run")

    def models_by_role(self) -> dict[str, ModelSettings]:
        return {role: self.role_models.get(role, self.model) for role in ROLES}
