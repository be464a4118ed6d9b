"""Reading a user's own library (a ``.bib`` or ``.jsonl`` file) into ``PaperRecord``s.

Bad entries are reported and skipped, never fatal: an entry without a title, a line that is not
JSON, a BibTeX block that does not parse. Only a file that cannot be read at all (missing, not
UTF-8, an unknown extension) raises ``LibraryImportError``.

JSONL lines are objects with the ``PaperRecord`` fields; ``authors`` may be a list or a
BibTeX-style ``"A and B"`` string, and ``arxiv``/``eprint`` are accepted for ``arxiv_id``.

Example::

    parsed = read_library(Path("my_refs.bib"))
    parsed.records, [s.reason for s in parsed.skipped]
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import LatexDecodingMiddleware
from pydantic import BaseModel, ValidationError

from agents.literature.base import LibraryImportError
from agents.literature.records import OTHERS, PaperRecord, clean_arxiv_id

SUPPORTED_SUFFIXES = (".bib", ".jsonl")


class SkippedEntry(BaseModel):
    """One entry that was not imported, and why."""

    where: str
    reason: str


class ParsedLibrary(BaseModel):
    records: list[PaperRecord]
    skipped: list[SkippedEntry]


def read_library(path: Path, *, source: str = "library") -> ParsedLibrary:
    """Records from a ``.bib`` or ``.jsonl`` file; see the module docstring."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LibraryImportError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; import a .bib or .jsonl file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LibraryImportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LibraryImportError(f"{path}: is a directory; give a .bib or .jsonl file") from None
    except UnicodeDecodeError:
        raise LibraryImportError(f"{path}: not UTF-8 text; re-save it as UTF-8") from None
    except OSError as exc:
        raise LibraryImportError(f"{path}: cannot be read ({exc.strerror})") from None
    if suffix == ".bib":
        return parse_bibtex(text, source=source)
    return parse_jsonl(text, source=source)


def parse_jsonl(text: str, *, source: str = "library") -> ParsedLibrary:
    records: list[PaperRecord] = []
    skipped: list[SkippedEntry] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            data = json.loads(line)
        except ValueError:
            skipped.append(SkippedEntry(where=where, reason="not valid JSON"))
            continue
        if not isinstance(data, dict):
            skipped.append(SkippedEntry(where=where, reason="not a JSON object"))
            continue
        record, reason = _record_from_mapping(data, source=source)
        if record is None:
            skipped.append(SkippedEntry(where=where, reason=reason))
        else:
            records.append(record)
    return ParsedLibrary(records=records, skipped=skipped)


def _record_from_mapping(data: dict[str, Any], *, source: str) -> tuple[PaperRecord | None, str]:
    if not str(data.get("title") or "").strip():
        return None, "no title"
    fields = dict(data)
    authors = fields.get("authors", [])
    if isinstance(authors, str):
        fields["authors"] = split_bibtex_authors(authors)
    fields["arxiv_id"] = fields.get("arxiv_id") or fields.get("arxiv") or fields.get("eprint")
    fields["year"] = _year(fields.get("year"))
    fields["source"] = source
    try:
        return PaperRecord.model_validate(fields), ""
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        return None, f"invalid field {loc!r}: {first['msg']}"


def _year(value: Any) -> int | None:
    match = re.search(r"\d{4}", str(value or ""))
    return int(match.group()) if match else None


def split_bibtex_authors(value: str) -> list[str]:
    """``"Ho, Jonathan and Jain, Ajay and others"`` → ``["Jonathan Ho", "Ajay Jain", "others"]``."""
    names: list[str] = []
    for raw in re.split(r"\s+and\s+", value.strip()):
        name = " ".join(raw.replace("{", "").replace("}", "").split())
        if not name:
            continue
        if name.lower() == OTHERS:
            names.append(OTHERS)
            continue
        if "," in name:
            family, _, given = name.partition(",")
            name = f"{given.strip()} {family.strip()}".strip()
        names.append(name)
    return names


def parse_bibtex(text: str, *, source: str = "library") -> ParsedLibrary:
    library = parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    records: list[PaperRecord] = []
    skipped = [
        SkippedEntry(where=f"line {(block.start_line or 0) + 1}",
                     reason=_failure_reason(block))
        for block in library.failed_blocks
    ]
    for entry in library.entries:
        fields = {k.lower(): str(f.value).strip() for k, f in entry.fields_dict.items()}
        where = f"entry {entry.key!r}"
        arxiv = None
        prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
        if prefix == "arxiv":
            arxiv = fields.get("eprint")
        venue = fields.get("journal") or fields.get("booktitle") or fields.get("journaltitle")
        if not arxiv:
            arxiv = _arxiv_in(venue or "") or _arxiv_in(fields.get("url", ""))
        mapping = {
            "title": fields.get("title", ""),
            "authors": split_bibtex_authors(fields.get("author", "")),
            "year": fields.get("year") or fields.get("date"),
            "venue": venue or fields.get("publisher") or fields.get("howpublished") or None,
            "abstract": fields.get("abstract") or None,
            "arxiv_id": clean_arxiv_id(arxiv) if arxiv else None,
            "doi": fields.get("doi") or None,
            "url": fields.get("url") or None,
        }
        record, reason = _record_from_mapping(mapping, source=source)
        if record is None:
            skipped.append(SkippedEntry(where=where, reason=reason))
        else:
            records.append(record)
    return ParsedLibrary(records=records, skipped=skipped)


def _arxiv_in(text: str) -> str | None:
    match = re.search(r"arxiv(?:\.org/(?:abs|pdf)/|:\s*)(\d{4}\.\d{4,5})", text, re.IGNORECASE)
    return match.group(1) if match else None


def _failure_reason(block: Any) -> str:
    error = getattr(block, "error", None)
    message = str(error) if error else "does not parse as BibTeX"
    return " ".join(message.split())[:200]
