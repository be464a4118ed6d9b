"""The settings an experiment can turn, wherever a template keeps them.

Templates in the AI-Scientist format keep their knobs as module constants (``LR = 0.01``),
as ``argparse`` defaults (``parser.add_argument("--lr", type=float, default=0.01)``) or as
entries of a config dict (``"lr": 0.01,``). A ``Knob`` knows its line, so an edit of it is a
SEARCH/REPLACE of that one line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Literal

_CONSTANT = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)\s*=\s*(?P<value>[^#\n]+?)\s*(?:#\s*(?P<comment>.*))?$",
                       re.MULTILINE)
_ARGPARSE = re.compile(r"^.*add_argument\(\s*[\"'](?P<name>--[\w-]+)[\"'][^\n]*?default\s*=\s*"
                       r"(?P<value>[-+\w.\"']+)[^\n]*$", re.MULTILINE)
_DICT_ENTRY = re.compile(r"^\s*[\"'](?P<name>\w+)[\"']\s*:\s*(?P<value>[-+\w.\"']+)\s*,?\s*"
                         r"(?:#\s*(?P<comment>.*))?$", re.MULTILINE)
_HELP = re.compile(r"help\s*=\s*[\"']([^\"']*)[\"']")
#: Knobs that are not research variables: seeds, evaluation and data-loading settings, paths.
SKIP = ("SEED", "VAL", "EVAL", "TEST", "DEVICE", "DATASET", "OUT_DIR", "PATH", "DIR", "THREAD",
        "WORKER", "LOG", "PRINT", "VERBOSE")

KnobKind = Literal["constant", "argparse", "dict"]


@dataclass(frozen=True)
class Knob:
    name: str
    value: Any
    comment: str
    kind: KnobKind
    line: str  # the whole source line, unique in the file

    @property
    def words(self) -> str:
        return self.name.lower().strip("-").replace("_", " ").replace("-", " ")

    def with_value(self, value: Any) -> str:
        """The line with ``value`` in place of the current one."""
        return self.with_source(fmt(value))

    def with_source(self, new: str) -> str:
        """The line with the source text ``new`` in place of the current value."""
        if self.kind == "constant":
            head, _, tail = self.line.partition("=")
            comment = tail[tail.index("#"):] if "#" in tail else ""
            return f"{head.rstrip()} = {new}" + (f"  {comment}" if comment else "")
        if self.kind == "argparse":
            return re.sub(r"(default\s*=\s*)[-+\w.\"']+", lambda m: m.group(1) + new, self.line, count=1)
        return re.sub(r"(:\s*)[-+\w.\"']+", lambda m: m.group(1) + new, self.line, count=1)


def fmt(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return repr(float(f"{value:.3g}"))
    return repr(value)


def _literal(raw: str) -> Any:
    try:
        value = ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, int | float | str | bool) else None


def knobs(code: str) -> list[Knob]:
    """Scalar settings of a file, constants first, each line found exactly once."""
    found: list[Knob] = []
    lines = code.splitlines()
    for pattern, kind in ((_CONSTANT, "constant"), (_ARGPARSE, "argparse"), (_DICT_ENTRY, "dict")):
        for m in pattern.finditer(code):
            name, value = m.group("name"), _literal(m.group("value"))
            line = m.group(0)
            if value is None or any(s in name.upper().replace("-", "_") for s in SKIP):
                continue
            if lines.count(line) != 1 or any(k.name == name for k in found):
                continue
            help_text = _HELP.search(line)
            comment = (m.groupdict().get("comment") or "") if kind != "argparse" else (
                help_text.group(1) if help_text else "")
            found.append(Knob(name, value, comment or "", kind, line))  # type: ignore[arg-type]
    return found


def variants(knob: Knob, count: int) -> list[Any]:
    """Values worth trying for a knob, away from its baseline in both directions."""
    v = knob.value
    if isinstance(v, bool):
        options: list[Any] = [not v]
    elif isinstance(v, int):
        options = [v * 2, max(1, v // 2)]
    elif isinstance(v, float) and v == 0.0:
        options = [0.5, 0.9] if re.search("MOMENTUM|BETA", knob.name.upper()) else [0.01, 0.1]
    elif isinstance(v, float):
        options = [float(f"{v * 3:.3g}"), float(f"{v / 3:.3g}")]
    else:  # a string: the other quoted choices named in its comment
        options = [c for c in re.findall(r'"([^"]+)"', knob.comment) if c != v]
    return options[:count]


def mentions(text: str, name: str) -> re.Match[str] | None:
    """``name`` as a whole identifier in ``text`` (SGD_LR is not found in SF_SGD_LR)."""
    return re.search(rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_])", text)
