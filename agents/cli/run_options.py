"""``aisci run``'s options for the run's settings, made from the settings' declaration.

Every field of ``RunSettings`` (or of ``ModelFields``, or of a nested model such as
``TreeSettings``) that carries a ``Flag`` (``agents.config.flag``) is an option: its type,
choices and range come from the field, its name, panel and help from the ``Flag``. A setting
that a config file may also set (``FileSettings``, ``ModelFields``) defaults to None on the
command line, so the file or ``AISCI_*`` decides when the flag is not given; the others
default to the field's default, shown in ``--help``.

``with_setting_options`` gives a command these options; the command receives them in its
``**settings`` and ``split_settings`` says where each value goes.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import annotated_types
import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from agents.config import PANELS, FileSettings, Flag, ModelFields, RunSettings, flag_of

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SettingOption:
    """One option: the field it sets (``path``: ``("tree", "max_nodes")`` for a nested one),
    and whether its value goes through ``load_config`` (file, environment, flag) or straight
    into ``RunSettings``."""

    path: tuple[str, ...]
    field: FieldInfo
    flag: Flag
    in_config: bool

    @property
    def name(self) -> str:
        return self.path[-1]

    def parameter(self) -> inspect.Parameter:
        base = _without_none(self.field.annotation)
        many = get_origin(base) is tuple
        kind: Any = list[get_args(base)[0]] if many else base  # type: ignore[misc]
        if self.in_config or many:
            kind, default = kind | None, None
        elif self.field.default is not PydanticUndefined:
            default = self.field.default
        else:
            default = self.flag.default
        low, high = _bounds(self.field)
        if self.flag.min is not None:
            low = self.flag.min
        if base is int:
            low, high = (None if low is None else int(low)), (None if high is None else int(high))
        names = (self.flag.name(self.name),) if self.flag.flag or base is bool else ()
        option = typer.Option(*names, min=low, max=high, help=self.flag.help,
                              rich_help_panel=self.flag.panel)
        return inspect.Parameter(self.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                 annotation=Annotated[kind, option])


def setting_options() -> list[SettingOption]:
    """The options, in the order of their declaration: how to talk to the model, the settings
    only a run has, then those a config file may set too."""
    own = [name for name in RunSettings.model_fields if name not in FileSettings.model_fields]
    found = [*_flagged(ModelFields, ModelFields.model_fields, (), in_config=True),
             *_flagged(RunSettings, own, (), in_config=False),
             *_flagged(FileSettings, FileSettings.model_fields, (), in_config=True)]
    names = [option.name for option in found]
    clash = {name for name in names if names.count(name) > 1}
    if clash:
        raise TypeError(f"two settings would have the same option: {sorted(clash)}")
    return found


def _flagged(model: type[BaseModel], names: Any, prefix: tuple[str, ...], *,
             in_config: bool) -> Iterator[SettingOption]:
    for name in names:
        field = model.model_fields[name]
        flag = flag_of(field)
        if flag is not None:
            yield SettingOption((*prefix, name), field, flag, in_config)
        elif in_config and isinstance(field.annotation, type) and issubclass(
                field.annotation, BaseModel):  # a [table] of the config file, e.g. [tree]
            yield from _flagged(field.annotation, field.annotation.model_fields,
                                (*prefix, name), in_config=in_config)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    low: Any = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    high: Any = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    return (None if low is None else float(low)), (None if high is None else float(high))


def with_setting_options(command: F) -> F:
    """Give ``command`` (which takes ``**settings``) an option for every declared setting.

    Options are grouped by panel in ``PANELS`` order; within a panel the command's own model
    options come first, then the settings', then the command's other options."""
    own = inspect.signature(command, eval_str=True).parameters.values()
    explicit = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own
                if p.kind is not inspect.Parameter.VAR_KEYWORD]
    first = [p for p in explicit if _panel(p) in (None, "Model")]
    rest = [p for p in explicit if _panel(p) not in (None, "Model")]
    ordered = [*first, *(option.parameter() for option in setting_options()), *rest]
    ordered.sort(key=lambda p: PANELS.index(panel) if (panel := _panel(p)) in PANELS else -1)
    command.__signature__ = inspect.Signature(ordered)  # type: ignore[attr-defined]
    return command


def _panel(parameter: inspect.Parameter) -> str | None:
    for info in getattr(parameter.annotation, "__metadata__", ()):
        if isinstance(info, typer.models.ParameterInfo):
            return info.rich_help_panel
    return None


def split_settings(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The command's ``**settings`` as (overrides for ``load_config``, values for
    ``RunSettings``). An option not given (None, or a repeatable one never given) is left out:
    the config file, the environment or the field's default decides; a repeated value is kept
    once."""
    overrides: dict[str, Any] = {}
    run_only: dict[str, Any] = {}
    for option in setting_options():
        value = values.get(option.name)
        if get_origin(_without_none(option.field.annotation)) is tuple:
            value = tuple(dict.fromkeys(value or ())) or None
        if value is None:
            continue
        node = overrides if option.in_config else run_only
        for part in option.path[:-1]:
            node = node.setdefault(part, {})
        node[option.name] = value
    return overrides, run_only
