"""What the coder is told after a template-free attempt fails on the results contract (the
command line, the loop over GROUPS, an import): a table of error patterns and advice in
``data/hints.toml``, not code. A new kind of error is a new row there."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import NamedTuple

TABLE = Path(__file__).parent / "data" / "hints.toml"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Hint(NamedTuple):
    pattern: re.Pattern[str]
    advice: str  # with {group} for the pattern's named groups


@cache
def hint_table(path: Path = TABLE) -> tuple[Hint, ...]:
    """The table's rows; a row whose advice names a group its pattern lacks is an error."""
    table = []
    for row in tomllib.loads(path.read_text(encoding="utf-8")).get("hint", []):
        pattern, advice = re.compile(row["pattern"]), str(row["advice"])
        unknown = set(_PLACEHOLDER.findall(advice)) - set(pattern.groupindex)
        if unknown:
            raise ValueError(f"{path}: the advice for {row['pattern']!r} names {sorted(unknown)}, "
                             "which the pattern does not capture")
        table.append(Hint(pattern, advice))
    return tuple(table)


def hints(problems: list[str]) -> list[str]:
    """A plain next step for each contract error in ``problems``, in the table's order, each
    once; none for an error of the science."""
    text = "\n".join(problems)
    found = [hint.advice.format(**match.groupdict())
             for hint in hint_table() for match in hint.pattern.finditer(text)]
    return list(dict.fromkeys(found))
