"""The two settings types: how one role talks to its model, and what one run does.

Both are frozen and loaded once (``agents.config.loading.load_config`` for a new run,
``run.json`` for a resumed one); every other module reads them. The choices a user makes on
the command line are enums, so ``--help`` lists them and a typo fails with the list.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.config.flag import Flag

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
    max_nodes: Annotated[int, Flag("Experiments", "--search tree: variants per idea, ablations "
                                   "included (default 8).")] = Field(
        default=8, ge=1, le=50, description="variants in all, ablations included")
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
    max_tokens: Annotated[int, Flag(
        "Model", "Longest model reply in tokens (default 4096; a cut-off reply is asked again "
        "with more).", min=16)] = Field(default=4096, gt=0, description="longest reply, in tokens")
    timeout_s: float = Field(default=300.0, gt=0, description="one request, in seconds")
    load_timeout_s: float = Field(default=600.0, gt=0, description=(
        "the first answer at preflight, in seconds: a local server may load its model first"))
    num_retries: int = Field(default=3, ge=0, description="retries of transient faults")
    structured: Annotated[StructuredMode, Flag(
        "Model", "How JSON answers are asked for (default auto: found out from the server at "
        "preflight).")] = StructuredMode.auto
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


class FileSettings(BaseModel):
    """The run's settings that a config file, an ``AISCI_*`` variable or a flag may set.

    ``RunSettings`` and the config file's ``AisciConfig`` (``agents.config.loading``) both
    inherit these fields, and a field with a ``Flag`` is an option of ``aisci run``
    (``agents.cli.run_options``): a setting is declared here once, with its type, default,
    range, description and option.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    literature: Annotated[LiteratureChoice, Flag(
        "Experiments", "Where novelty is searched (default auto: the offline library unless "
        "AISCI_LITERATURE says otherwise).")] = LiteratureChoice.auto
    seeds: Annotated[int, Flag(
        "Experiments", "Seeds per variant, the baseline included (default 3; 1 when the "
        "template cannot be seeded).")] = Field(
        default=3, ge=1, le=20, description="seeds per variant, baseline included")
    parallel: Annotated[int, Flag(
        "Execution", "Ideas and sandbox jobs run at once (default 2).")] = Field(
        default=2, ge=1, le=64)
    search: Annotated[SearchMode, Flag(
        "Experiments", "How an idea's variants are explored: linear (plan, then one run after "
        "another) or tree (drafts, debugging, improving the best, ablations; \\[tree] in the "
        "config file sets its budget).")] = SearchMode.linear
    tree: TreeSettings = TreeSettings()
    sandbox: Annotated[SandboxBackend, Flag(
        "Execution", "docker (default, hardened) or local (UNSAFE: runs model-written code on "
        "this machine).")] = SandboxBackend.docker
    executor: Annotated[Executor, Flag(
        "Execution", "Where sandbox jobs run: local (this machine's Docker) or ray (a Ray "
        "cluster's nodes, each with Docker).")] = Executor.local
    ray_address: Annotated[str | None, Flag(
        "Execution", "The Ray cluster to use with --executor ray (host:port; default: "
        "RAY_ADDRESS or a cluster on this machine).")] = Field(
        default=None, description="the Ray cluster (host:port)")
    tex: Annotated[TexBackend, Flag(
        "Execution", "Where papers compile: sandbox (a container), host (this machine's TeX, "
        "hardened but unisolated), or auto (the sandbox's choice).")] = TexBackend.auto
    max_cost: Annotated[float | None, Flag(
        "Execution", "Budget in USD: the run stops cleanly at a stage boundary before it "
        "would go over.", min=0.0001)] = Field(
        default=None, gt=0, description="USD budget of the whole run")
    checkpointer: Annotated[str | None, Flag(
        "Execution", "Keep the run's checkpoints in this PostgreSQL database "
        "(postgresql://user@host/db) instead of the run folder's SQLite file: any machine "
        "can then resume it.")] = Field(default=None, description=(
            "where checkpoints live: None for SQLite in the run folder, or a postgresql:// URL"))
    vision: bool | None = Field(default=None, description=(
        "whether the writer's model is shown the figures it checks (None: if litellm says it "
        "supports images)"))
    figure_fixes: int = Field(default=1, ge=0, le=5, description=(
        "times a figure that a check finds bad is sent back to the coder and drawn again"))
    metric: str | None = Field(default=None, description=(
        "the primary metric (--metric), over the template's declaration or the inferred one"))
    lower_is_better: bool | None = Field(default=None, description=(
        "which way the primary metric is better (--lower-is-better/--higher-is-better)"))
    job_timeout_s: Annotated[float | None, Flag(
        "Experiments", "Seconds one experiment job may run (default: the timeout_s of the "
        "template's limits in template.toml, else 600).", flag="--timeout", min=1)] = Field(
        default=None, gt=0, description=(
            "seconds one experiment job may run (--timeout), over the template's limit"))
    tracker: Annotated[Tracker, Flag(
        "Output", "Also log the finished run to an experiment tracker: mlflow (the "
        "aisci\\[mlflow] extra; default none).")] = Tracker.none
    tracking_uri: Annotated[str | None, Flag(
        "Output", "The MLflow tracking server (http://host:5000) or store; default: "
        "mlflow/mlflow.db in the runs folder.")] = Field(default=None, description=(
            "the MLflow tracking URI (a server, or sqlite:///...); None: a folder beside the runs"))


class RunSettings(FileSettings):
    """What the user chose for one run: recorded in run.json, read by every node."""

    topic: str = Field(min_length=1)
    template: Annotated[str, Flag(
        "Experiments", "Template name (see templates/) or folder; none: the same as "
        "--from-scratch.", default="tiny_mlp")]
    from_scratch: Annotated[bool, Flag(
        "Experiments", "No template: the coder writes the experiment from the topic first "
        "(data generated in code or bundled in scikit-learn); it is kept in the run's "
        "template/.")] = Field(default=False, description=(
            "no template: the coder writes the experiment first (the run's template/ folder)"))
    model: ModelSettings
    role_models: dict[str, ModelSettings] = Field(default_factory=dict)
    num_ideas: Annotated[int, Flag("Experiments", "Ideas to propose and run.")] = Field(
        default=2, ge=1, le=20)
    reflections: Annotated[int, Flag("Experiments", "Refinement rounds per idea.")] = Field(
        default=1, ge=0, le=5)
    novelty_rounds: Annotated[int, Flag(
        "Experiments", "Literature search rounds per idea.")] = Field(default=3, ge=1, le=10)
    idea_rounds: Annotated[int, Flag(
        "Experiments", "Rounds of ideation: when no idea is judged novel, propose new ones "
        "that avoid the closest papers, up to this many rounds in all.")] = Field(
        default=3, ge=1, le=10, description=(
            "rounds of ideation: when no idea of a round is judged novel, new ideas that avoid "
            "the closest papers are proposed and judged, up to this many rounds in all"))
    include_not_novel: Annotated[bool, Flag(
        "Experiments", "Also run ideas judged not novel.")] = False
    max_runs: Annotated[int | None, Flag(
        "Experiments", "Runs per idea beyond the baseline (default: the template's).")] = Field(
        default=None, ge=1, le=20)
    max_attempts: Annotated[int, Flag("Experiments", "Tries per run, fixes included.")] = Field(
        default=3, ge=1, le=10, description="tries per run, fixes included")
    build_image: Annotated[bool, Flag(
        "Experiments", "Build the image of the packages the template lists in "
        "requirements.txt first, if it is not built (wheels from the package index).")] = Field(
        default=False, description=(
            "build the template's package image before the run if it is missing (--build-image)"))
    num_reviewers: Annotated[int, Flag(
        "Paper and review", "Reviewers per paper.", flag="--reviewers")] = Field(
        default=3, ge=1, le=10)
    review_reflections: Annotated[int, Flag(
        "Paper and review", "Rounds in which each reviewer checks its review.")] = Field(
        default=1, ge=0, le=3)
    refine_rounds: Annotated[int, Flag(
        "Paper and review", "Rounds in which the writer revises a section that fails the "
        "number and claim checks (what still fails is removed).")] = Field(
        default=1, ge=0, le=3, description=(
            "rounds in which the writer revises a section whose numbers or claims fail the "
            "checks; what still fails is removed"))
    revise: Annotated[int, Flag("Paper and review", "Revise-and-review rounds.")] = Field(
        default=0, ge=0, le=5)
    from_draft: Annotated[Path | None, Flag(
        "Paper and review", "Your draft (.tex or .pdf): the writer revises and extends its "
        "sections with the new results instead of writing them anew. It is copied into the "
        "run folder.")] = Field(default=None, description=(
            "the author's draft (.tex or .pdf) that the writer revises; copied to the run's "
            "draft/"))
    approve: Annotated[tuple[Checkpoint, ...], Flag(
        "Execution", "Pause for your approval at this checkpoint (repeatable).")] = ()

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
