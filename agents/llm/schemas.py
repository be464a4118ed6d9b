"""JSON schemas for constrained decoding, in the subset every server accepts.

OpenAI's strict mode wants every property required, ``additionalProperties: false`` on every
object and no keywords outside a small set; llama.cpp turns the same subset into a grammar,
Ollama and vLLM take it as is. ``strict_schema`` writes a reply model's schema that way:
references inlined, titles and defaults dropped, and a small integer range (a 1-10 score)
written as an ``enum`` so that decoding itself keeps it in range.

    >>> from pydantic import BaseModel, Field
    >>> class Score(BaseModel):
    ...     overall: int = Field(ge=1, le=3)
    >>> strict_schema(Score)["properties"]
    {'overall': {'type': 'integer', 'enum': [1, 2, 3]}}
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

#: The keywords a strict schema may use.
STRICT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items",
                             "enum", "const", "anyOf", "description"})
#: Integer ranges up to this many values become an enum.
MAX_ENUM_RANGE = 20


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    return _walk(raw, defs)


def _walk(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    node = _resolve(node, defs)
    out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in node.items()
                           if k in STRICT_KEYWORDS - {"properties", "items", "anyOf", "required",
                                                      "additionalProperties"}}
    if node.get("type") == "integer" and "enum" not in node:
        low, high = node.get("minimum"), node.get("maximum")
        if isinstance(low, int) and isinstance(high, int) and 0 <= high - low < MAX_ENUM_RANGE:
            out["enum"] = list(range(low, high + 1))
    if "anyOf" in node:
        out["anyOf"] = [_walk(option, defs) for option in node["anyOf"]]
    if "items" in node:
        out["items"] = _walk(node["items"], defs)
    if node.get("type") == "object" or "properties" in node:
        props = node.get("properties", {})
        out["type"] = "object"
        out["properties"] = {name: _walk(value, defs) for name, value in props.items()}
        out["required"] = list(props)
        out["additionalProperties"] = False
    return out


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` (and pydantic's single-item ``allOf`` around one) into ``$defs``."""
    if "allOf" in node and len(node["allOf"]) == 1:
        merged = {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}
        return _resolve(merged, defs)
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs[ref.removeprefix("#/$defs/")]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return _resolve({**target, **extra}, defs)
    return node


def strict_violations(schema: Any, path: str = "$") -> list[str]:
    """Where ``schema`` breaks the strict rules (empty when it follows them)."""
    if not isinstance(schema, dict):
        return []
    problems = [f"{path}: keyword {k!r} is not allowed" for k in schema if k not in STRICT_KEYWORDS]
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path}: additionalProperties must be false")
        if sorted(schema.get("required", [])) != sorted(props):
            problems.append(f"{path}: every property must be required")
        for name, sub in props.items():
            problems += strict_violations(sub, f"{path}.{name}")
    if "items" in schema:
        problems += strict_violations(schema["items"], f"{path}[]")
    for i, option in enumerate(schema.get("anyOf", [])):
        problems += strict_violations(option, f"{path}|{i}")
    return problems
