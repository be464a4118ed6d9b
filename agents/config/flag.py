"""How a setting is offered on ``aisci run``'s command line, declared beside the setting itself.

A field of ``RunSettings`` (or of ``ModelFields``) that carries a ``Flag`` in its ``Annotated``
metadata becomes an option of ``aisci run`` (``agents.cli.run_options``): the option's type,
default, choices and range come from the field, its name, panel and help from the ``Flag``.

    >>> from typing import Annotated
    >>> from pydantic import BaseModel, Field
    >>> class Example(BaseModel):
    ...     rounds: Annotated[int, Flag("Experiments", "Rounds.")] = Field(default=2, ge=1)
    >>> flag_of(Example.model_fields["rounds"]).name("rounds")
    '--rounds'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pydantic.fields import FieldInfo

#: The panels ``--help`` groups options in, in the order they are shown.
Panel = Literal["Model", "Experiments", "Paper and review", "Execution", "Output"]
PANELS: tuple[Panel, ...] = get_args(Panel)


@dataclass(frozen=True)
class Flag:
    """``aisci run``'s option for one setting.

    ``flag`` names the option when it is not the field's name with dashes (``--timeout`` for
    ``job_timeout_s``); ``min`` is a stricter lower bound than the field's own (a reply of 16
    tokens at least); ``default`` is the option's default when the field has none.
    """

    panel: Panel
    help: str
    flag: str | None = None
    min: float | None = None
    default: object = None

    def name(self, field_name: str) -> str:
        return self.flag or "--" + field_name.replace("_", "-")


def flag_of(field: FieldInfo) -> Flag | None:
    """The field's ``Flag``, or None when it is not offered on the command line."""
    return next((item for item in field.metadata if isinstance(item, Flag)), None)
