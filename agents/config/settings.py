"""The two settings types: how one role talks to its model, and what one run does.

Both are frozen and loaded once (``agents.config.loading.load_config`` for a new run,
``run.json`` for a resumed one); every other module reads them. The choices a user makes on
the command line are enums, so ``--help`` lists them and a typo fails with the list.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["ideation", "novelty", "coder", "writer", "reviewer"]
ROLES: tuple[Role, ...] = ("ideation", "novelty", "coder", "writer", "reviewer")
#: Each role's sampling temperature when the settings name none: low where an answer must be
#: exact (verdicts, code), higher where variety helps (ideas, reviews, as AI-Scientist's 0.75).
DEFAULT_TEMPERATURES: dict[str, float] = {"ideation": 0.75, "novelty": 0.2, "coder": 0.2,
                                          "writer": 0.5, "reviewer": 0.75}


class StructuredMode(StrEnum):
    """How a structured (JSON) answer is asked for.

    ``schema``: the server constrains decoding to the reply's JSON schema; ``json``: it
    constrains to some JSON object; ``prompt``: nothing is constrained, the prompt shows an
    example and aisci parses leniently. ``auto`` asks the server once, at preflight.
    """

    auto = "auto"
    schema = "schema"
    json = "json"
    prompt = "prompt"


class SandboxBackend(StrEnum):
    docker = "docker"
    local = "local"


class Tracker(StrEnum):
    """Where a finished run is also logged: nowhere else (the run folder holds everything), or
    an MLflow tracking server or folder (the ``aisci[mlflow]`` extra)."""

    none = "none"
    mlflow = "mlflow"


class Checkpoint(StrEnum):
    ideas = "ideas"
    paper = "paper"


class Executor(StrEnum):
    """Where sandbox jobs run: on this machine, or as tasks of a Ray cluster."""

    local = "local"
    ray = "ray"


class TexBackend(StrEnum):
    """Where TeX and poppler run: ``auto`` is the sandbox when experiments run in Docker, the
    host (hardened, with a warning) when they run on the host (``--sandbox local``)."""

    auto = "auto"
    sandbox = "sandbox"
    host = "host"


class SearchMode(StrEnum):
    """How an idea's variants are explored: a straight line of runs, or a tree search."""

    linear = "linear"
    tree = "tree"


class TreeSettings(BaseModel):
    """The tree search's budget and shape (``[tree]`` in the config file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drafts: int = Field(default=3, ge=1, le=8, description="first variants, each from the baseline")
    debug_depth: int = Field(default=2, ge=0, le=5, description="fixes tried on a failed variant")
    max_nodes: int = Field(default=8, ge=1, le=50, description="variants in all, ablations included")
    parallel_nodes: int = Field(default=2, ge=1, le=8, description="variants expanded at once")
    max_minutes: float = Field(default=60.0, gt=0, description="wall time of one idea's search")
    ablations: int = Field(default=2, ge=0, le=5, description="changes of the best variant undone")
    replication_seeds: int = Field(default=2, ge=0, le=10,
                                   description="extra seeds run on the best variant at the end")


class LimitCaps(BaseModel):
    """The most a template's ``[limits]`` may ask of one sandbox job (``[max_limits]`` in the
    config file): a template from elsewhere cannot take this machine over by asking for a
    billion processes or a day of time. ``aisci doctor`` shows them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_s: float = Field(default=6 * 3600.0, gt=0, description="one job's wall time")
    memory_mb: int = Field(default=32768, gt=0)
    cpus: float = Field(default=16.0, gt=0)
    gpus: int = Field(default=8, ge=0)
    pids: int = Field(default=4096, gt=0, description="processes and threads")
    output_bytes: int = Field(default=100_000_000, gt=0)
    file_size_mb: int = Field(default=8192, gt=0)
    disk_mb: int = Field(default=32768, gt=0)
    disk_files: int = Field(default=5_000_000, gt=0)
    result_mb: int = Field(default=16384, gt=0)
    result_files: int = Field(default=1_000_000, gt=0)
    result_depth: int = Field(default=256, gt=0)


class LiteratureChoice(StrEnum):
    auto = "auto"
    offline = "offline"
    semantic_scholar = "semantic_scholar"
    openalex = "openalex"
    arxiv = "arxiv"


class ModelFields(BaseModel):
    """The fields that say how to talk to a model, declared once.

    ``ModelSettings`` requires ``model``; the per-role overrides of the config file are the
    same fields, all optional (``agents.config.loading.RoleOverrides``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    api_base: str | None = Field(default=None, description="base URL of a local or proxy server")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int = Field(default=4096, gt=0, description="longest reply, in tokens")
    timeout_s: float = Field(default=300.0, gt=0, description="one request, in seconds")
    load_timeout_s: float = Field(default=600.0, gt=0, description=(
        "the first answer at preflight, in seconds: a local server may load its model first"))
    num_retries: int = Field(default=3, ge=0, description="retries of transient faults")
    structured: StructuredMode = StructuredMode.auto
    schema_via: Literal["json_schema", "json_object"] = Field(default="json_schema", description=(
        "how a schema is sent: OpenAI's json_schema, or json_object plus schema "
        "(llama-cpp-python's server)"))
    concurrency: int | None = Field(default=None, ge=1, le=64, description=(
        "requests in flight at once (default: 1 for a server at api_base, 8 otherwise)"))


class ModelSettings(ModelFields):
    """How one role talks to its model."""

    model: str

    @property
    def max_concurrency(self) -> int:
        if self.concurrency is not None:
            return self.concurrency
        return 1 if self.api_base else 8


class RunSettings(BaseModel):
    """What the user chose for one run: recorded in run.json, read by every node."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str = Field(min_length=1)
    template: str
    from_scratch: bool = Field(default=False, description=(
        "no template: the coder writes the experiment first (the run's template/ folder)"))
    model: ModelSettings
    role_models: dict[str, ModelSettings] = Field(default_factory=dict)
    num_ideas: int = Field(default=2, ge=1, le=20)
    reflections: int = Field(default=1, ge=0, le=5)
    novelty_rounds: int = Field(default=3, ge=1, le=10)
    idea_rounds: int = Field(default=3, ge=1, le=10, description=(
        "rounds of ideation: when no idea of a round is judged novel, new ideas that avoid the "
        "closest papers are proposed and judged, up to this many rounds in all"))
    include_not_novel: bool = False
    literature: LiteratureChoice = LiteratureChoice.auto
    max_runs: int | None = Field(default=None, ge=1, le=20)
    max_attempts: int = Field(default=3, ge=1, le=10, description="tries per run, fixes included")
    seeds: int = Field(default=3, ge=1, le=20, description="seeds per variant, baseline included")
    parallel: int = Field(default=2, ge=1, le=64)
    num_reviewers: int = Field(default=3, ge=1, le=10)
    review_reflections: int = Field(default=1, ge=0, le=3)
    refine_rounds: int = Field(default=1, ge=0, le=3, description=(
        "rounds in which the writer revises a section whose numbers or claims fail the checks; "
        "what still fails is removed"))
    revise: int = Field(default=0, ge=0, le=5)
    sandbox: SandboxBackend = SandboxBackend.docker
    executor: Executor = Executor.local
    ray_address: str | None = Field(default=None, description="the Ray cluster (host:port)")
    tex: TexBackend = TexBackend.auto
    search: SearchMode = SearchMode.linear
    tree: TreeSettings = TreeSettings()
    approve: tuple[Checkpoint, ...] = ()
    max_cost: float | None = Field(default=None, gt=0, description="USD budget of the whole run")
    checkpointer: str | None = Field(default=None, description=(
        "where checkpoints live: None for SQLite in the run folder, or a postgresql:// URL"))
    from_draft: Path | None = Field(default=None, description=(
        "the author's draft (.tex or .pdf) that the writer revises; copied to the run's draft/"))
    vision: bool | None = Field(default=None, description=(
        "whether the writer's model is shown the figures it checks (None: if litellm says it "
        "supports images)"))
    figure_fixes: int = Field(default=1, ge=0, le=5, description=(
        "times a figure that a check finds bad is sent back to the coder and drawn again"))
    metric: str | None = Field(default=None, description=(
        "the primary metric (--metric), over the template's declaration or the inferred one"))
    lower_is_better: bool | None = Field(default=None, description=(
        "which way the primary metric is better (--lower-is-better/--higher-is-better)"))
    job_timeout_s: float | None = Field(default=None, gt=0, description=(
        "seconds one experiment job may run (--timeout), over the template's limit"))
    build_image: bool = Field(default=False, description=(
        "build the template's package image before the run if it is missing (--build-image)"))
    tracker: Tracker = Tracker.none
    tracking_uri: str | None = Field(default=None, description=(
        "the MLflow tracking URI (a server, or sqlite:///...); None: a folder beside the runs"))

    @field_validator("role_models")
    @classmethod
    def _known_roles(cls, value: dict[str, ModelSettings]) -> dict[str, ModelSettings]:
        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; the roles are {', '.join(ROLES)}")
        return value

    @property
    def tex_on_host(self) -> bool:
        if self.tex == TexBackend.auto:
            return self.sandbox == SandboxBackend.local
        return self.tex == TexBackend.host

    def model_for(self, role: str) -> ModelSettings:
        return self.role_models.get(role, self.model)

    def models_by_role(self) -> dict[str, ModelSettings]:
        return {role: self.model_for(role) for role in ROLES}
