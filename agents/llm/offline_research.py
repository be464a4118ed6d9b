"""The offline model's research skills: ideas, novelty judgement, code edits.

Each function takes the full prompt text and returns a JSON-able answer. Everything is
derived from the prompt (the template's code, the idea, the literature found, the run
history), deterministically.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from agents.llm.prompt_blocks import blocks, first, first_json

_KNOB = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*([^#\n]+?)\s*(?:#\s*(.*))?$", re.MULTILINE)
_BASELINE = re.compile(r"from\s+(\"[^\"]*\"|[-+]?[0-9][0-9.eE+-]*|True|False)\s+to\b")
_SKIP_KNOBS = ("SEED", "VAL", "EVAL", "TEST", "DEVICE", "DATASET")
_STOP = frozenset((
    "tuning", "a", "an", "the", "of", "on", "in", "for", "and", "or", "to", "with", "by", "from", "is",
    "are", "be", "as", "at", "via", "how", "does", "do", "what", "when", "its", "it", "this",
    "that", "we", "our", "using", "use", "under", "between", "into", "than", "more", "less",
    "study", "effect",
))


@dataclass(frozen=True)
class Knob:
    name: str
    value: Any
    comment: str

    @property
    def words(self) -> str:
        return self.name.lower().replace("_", " ")


def _digest(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def content_words(text: str) -> set[str]:
    """Lower-case content words, plurals folded ('schedules' matches 'schedule')."""
    words = re.findall(r"[a-z][a-z0-9]+", text.lower().replace("_", " "))
    return {w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in _STOP and len(w) > 2}


def knobs(code: str) -> list[Knob]:
    """UPPER_CASE module constants with scalar values: what an experiment can turn."""
    found = []
    for name, raw, comment in _KNOB.findall(code):
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, int | float | str | bool) and not any(s in name for s in _SKIP_KNOBS):
            found.append(Knob(name, value, comment or ""))
    return found


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return repr(float(f"{value:.3g}"))
    return repr(value)


def variants(knob: Knob, count: int) -> list[Any]:
    """Values worth trying for a knob, away from its baseline in both directions."""
    v = knob.value
    if isinstance(v, bool):
        options: list[Any] = [not v]
    elif isinstance(v, int):
        options = [v * 2, max(1, v // 2)]
    elif isinstance(v, float) and v == 0.0:
        options = [0.5, 0.9] if re.search("MOMENTUM|BETA", knob.name) else [0.01, 0.1]
    elif isinstance(v, float):
        options = [float(f"{v * 3:.3g}"), float(f"{v / 3:.3g}")]
    else:  # a string: the other quoted choices named in its comment
        options = [c for c in re.findall(r'"([^"]+)"', knob.comment) if c != v]
    return options[:count]


def _code(prompt: str) -> str:
    return "\n".join(content for attrs, content in blocks(prompt, "code")
                     if attrs.get("path", "").endswith("experiment.py"))


# ---- ideas ---------------------------------------------------------------------------------


def ideate(prompt: str) -> dict[str, Any]:
    topic = first(prompt, "topic").strip()
    metric = first(prompt, "primary_metric", "the primary metric").strip()
    count = int(first(prompt, "num_ideas", "2") or 2)
    max_runs = int(first(prompt, "max_runs", "2") or 2)
    taken = set(first_json(prompt, "previous_ideas", []) or [])
    topic_words = content_words(topic)

    def relevance(k: Knob) -> tuple[int, int, int]:
        overlap = len(topic_words & content_words(k.words + " " + k.comment))
        # Integers are mostly sizes and step counts: changing them changes the compute budget,
        # so ideas on rates, coefficients and choices come first.
        costly = isinstance(k.value, int) and not isinstance(k.value, bool)
        return (-overlap, int(costly), _digest(topic, k.name) % 1000)

    ideas = []
    for knob in sorted(knobs(_code(prompt)), key=relevance):
        values = variants(knob, max_runs)
        name = f"{knob.name.lower()}_study"
        if not values or name in taken:
            continue
        steps = ", then to ".join(_fmt(x) for x in values)
        h = _digest(topic, knob.name)
        ideas.append({
            "name": name,
            "title": f"Tuning {knob.words.title()} for {topic[:1].upper() + topic[1:]}",
            "experiment": (
                f"Change {knob.name} from {_fmt(knob.value)} to {steps}, one run each, keeping "
                f"every other setting fixed; compare {metric} with the baseline on every group."
            ),
            "interestingness": 4 + h % 5,
            "feasibility": 9,
            "novelty": 3 + (h // 7) % 5,
        })
        if len(ideas) == count:
            break
    return {"ideas": ideas}


def reflect_idea(prompt: str) -> dict[str, Any]:
    idea = dict(first_json(prompt, "idea", {}) or {})
    note = " Report the mean and standard error over seeds for each run."
    if note.strip() not in idea.get("experiment", ""):
        idea["experiment"] = idea.get("experiment", "") + note
    return idea


# ---- novelty -------------------------------------------------------------------------------


def novelty_step(prompt: str) -> dict[str, Any]:
    idea = first_json(prompt, "idea", {}) or {}
    round_no = int(first(prompt, "round", "1") or 1)
    max_rounds = int(first(prompt, "max_rounds", "2") or 2)
    papers = first_json(prompt, "papers", []) or []
    idea_words = content_words(idea.get("title", "") + " " + idea.get("experiment", ""))
    if round_no < max_rounds:
        if round_no == 1:
            query = " ".join(sorted(content_words(idea.get("title", "")))[:6])
        else:  # second look: the knob itself, in plain words
            knob = re.search(r"\b([A-Z][A-Z0-9_]{2,})\b", idea.get("experiment", ""))
            query = (knob.group(1).lower().replace("_", " ") if knob else idea.get("name", ""))
            query += " neural network training"
        return {"action": "search", "query": query}

    def similarity(paper: dict[str, Any]) -> float:
        words = content_words(" ".join(str(paper.get(k, "")) for k in ("title", "abstract", "summary")))
        return len(idea_words & words) / max(1, len(idea_words | words))

    ranked = sorted(papers, key=similarity, reverse=True)[:3]
    best = similarity(ranked[0]) if ranked else 0.0
    novel = best < 0.35
    if ranked:
        reason = (f"The closest paper found, '{ranked[0].get('title')}', shares {best:.0%} of its "
                  f"key terms with the idea; " + ("it studies a different question."
                                                   if novel else "it already covers the idea."))
    else:
        reason = "No related paper was found in the searched literature."
    return {"action": "decide", "query": "", "verdict": {
        "novel": novel, "closest": [str(p.get("title")) for p in ranked], "reason": reason}}


# ---- code ----------------------------------------------------------------------------------


def _mentions(text: str, name: str) -> re.Match[str] | None:
    """``name`` as a whole identifier in ``text`` (SGD_LR is not found in SF_SGD_LR)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)


def retreat(base: Any, target: Any, failures: int) -> Any:
    """A value ``failures`` halvings of the way back from ``target`` toward ``base``."""
    if failures == 0 or isinstance(target, bool) or not isinstance(target, int | float):
        return target
    if not isinstance(base, int | float) or isinstance(base, bool):
        return target
    for _ in range(failures):
        if isinstance(target, float) and base > 0 and target > 0:
            target = float(f"{(base * target) ** 0.5:.3g}")  # halfway on a log scale
        else:
            target = type(target)(base + (target - base) / 2)
    return target


def _baseline_value(experiment: str, knob: Knob) -> Any:
    """The knob's baseline as the idea states it ('from 0.1 to ...'), else its current value."""
    mention = _mentions(experiment, knob.name)
    found = _BASELINE.match(experiment[mention.end():].lstrip()) if mention else None
    if found is None:
        return knob.value
    try:
        return ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return knob.value


def planned_values(experiment: str, knob: Knob, count: int) -> list[Any]:
    """The values an idea's experiment text asks for, in order ('to 0.5, then to 0.9')."""
    found_name = _mentions(experiment, knob.name)
    after = experiment[found_name.end():] if found_name else ""
    found = []
    for raw in re.findall(r"\bto\s+(\"[^\"]*\"|'[^']*'|True|False|[-+]?[0-9][0-9.eE+-]*)", after):
        try:
            found.append(ast.literal_eval(raw.rstrip(".,;")))
        except (ValueError, SyntaxError):
            continue
    return found or variants(knob, count)


def edit_code(prompt: str) -> dict[str, Any]:
    idea = first_json(prompt, "idea", {}) or {}
    run_index = int(first(prompt, "run_index", "1") or 1)
    max_runs = int(first(prompt, "max_runs", "2") or 2)
    history = first_json(prompt, "history", []) or []
    code = _code(prompt)
    experiment = str(idea.get("experiment", ""))
    candidates = [k for k in knobs(code) if _mentions(experiment, k.name)] or knobs(code)[:1]
    if not candidates:
        return {"done": True, "description": "no knob found to change", "edits": []}
    knob = candidates[0]
    values = planned_values(experiment, knob, max_runs)
    step = run_index - 1
    if step >= len(values):
        return {"done": True, "description": "every planned value has been run", "edits": []}
    # Read the feedback: each failed attempt at this run moves the value back toward baseline.
    failures = sum(1 for h in history if h.get("run") == run_index and h.get("verdict") != "ok")
    target = retreat(_baseline_value(experiment, knob), values[step], failures)
    line = re.search(rf"^{re.escape(knob.name)}\s*=\s*([^#\n]+?)\s*(#.*)?$", code, re.MULTILINE)
    if line is None:
        return {"done": True, "description": f"{knob.name} not found", "edits": []}
    old = line.group(0)  # the whole line, comment included: unique even beside SF_<NAME>
    new = f"{knob.name} = {_fmt(target)}" + (f"  {line.group(2)}" if line.group(2) else "")
    note = f" (retry {failures}: the last attempt failed)" if failures else ""
    return {"done": False, "description": f"{knob.name} = {_fmt(target)}{note}",
            "edits": [{"path": "experiment.py", "search": old, "replace": new}]}


def fix_plot(prompt: str) -> dict[str, Any]:
    """The offline model cannot debug plotting code: it says so and changes nothing."""
    return {"done": True, "description": "no fix proposed by the offline model", "edits": []}
