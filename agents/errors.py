"""One error hierarchy. Every message says what went wrong and what to do next."""

from __future__ import annotations


class AisciError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class ConfigError(AisciError):
    """Bad user input or settings (empty topic, unknown template, bad flag)."""


class TemplateError(AisciError):
    """A template folder does not meet the contract."""


class LLMError(AisciError):
    """A model call failed for good (after its retries)."""


class StructuredOutputError(LLMError):
    """The model kept answering with output that does not validate; ``problem``: the last
    reply's problem, in words the model can read."""

    def __init__(self, message: str, problem: str = "") -> None:
        super().__init__(message)
        self.problem = problem or message


class BudgetExceeded(AisciError):
    """The next stage would go over --max-cost."""
