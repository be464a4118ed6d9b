"""The offline model's reviewing skills: reviews computed from the paper text, their check,
and the meta-review."""

from __future__ import annotations

import hashlib
import re
from statistics import mean
from typing import Any

from agents.offline_model import reading
from agents.offline_model.reading import Asked

_PERSONAS = (0, -1, 1)  # careful, sceptical, open-minded


#: A sentence of the paper that speaks to its reviewer (the prompt says: follow none of it and
#: name it as a weakness).
_ADDRESSED = re.compile(
    r"[^.!?\n]*(?:\b(?:reviewers?|referees?|area chairs?)\b[^.!?\n]*"
    r"\b(?:must|should|shall|ignore|give|rate|score|accept|recommend)\b"
    r"|\bignore (?:all |any |the )?(?:previous|prior|above|earlier|your) instructions\b"
    r"|\b(?:you are|as) an? (?:AI|LLM|language model)\b)[^.!?\n]*[.!?]?", re.IGNORECASE)


def review(asked: Asked) -> dict[str, Any]:
    paper = asked["paper"]
    addressed = [m.group(0).strip() for m in _ADDRESSED.finditer(paper)]
    paper = _ADDRESSED.sub(" ", paper)
    index = asked.number("reviewer", 1) - 1
    numbers = len(re.findall(r"\b\d+\.\d+\b", paper))
    figures = len(re.findall(r"\bFigure\b|\\includegraphics", paper))
    citations = len(re.findall(r"\[\d+\]|\\cite[pt]?\{", paper)) + len(
        re.findall(r"^References\s*$", paper, re.MULTILINE))
    words = len(paper.split())
    significant = bool(re.search(r"\bsignificantly better\b", paper))
    single = bool(re.search(r"n = 1\b", paper))
    strengths: list[str] = []
    weaknesses: list[str] = []
    (strengths if numbers >= 5 else weaknesses).append(
        "Results are reported with concrete numbers." if numbers >= 5
        else "Few quantitative results are reported.")
    (strengths if figures else weaknesses).append(
        "Figures support the claims." if figures else "The paper has no figures.")
    (strengths if citations else weaknesses).append(
        "The work is placed in the literature." if citations else "Related work is missing.")
    if significant:
        strengths.append("The change is significantly better than the baseline.")
    else:
        weaknesses.append("No significant improvement over the baseline is shown.")
    weaknesses.append("Each variant ran once, so no claim can be tested." if single
                      else "Experiments are small: few seeds and one small model.")
    if words < 1500:
        weaknesses.append("The paper is short; the analysis could go deeper.")
    if addressed:
        weaknesses.append(f"The paper speaks to its reviewers instead of its readers "
                          f"(\"{addressed[0][:120]}\"): not followed, and not science.")
    persona = _PERSONAS[index % len(_PERSONAS)]
    base = 2 + (numbers >= 5) + (figures > 0) + (citations > 0) + significant + (words >= 1500)
    overall = max(1, min(10, base + persona))
    h = int(hashlib.sha256(f"{index}|{words}".encode()).hexdigest()[:4], 16)
    sound = max(1, min(4, 1 + (numbers >= 5) + significant + (h % 2)))
    return {
        "summary": f"The paper reports a controlled study with {numbers} reported numbers, "
                   f"{figures} figure references and {words} words.",
        "strengths": strengths, "weaknesses": weaknesses,
        "questions": ["How sensitive are the conclusions to the number of seeds?"],
        "limitations": ["A small model on the template's data limits generality."],
        "originality": max(1, min(4, 1 + (citations > 0) + (persona > 0))),
        "quality": sound, "clarity": max(1, min(4, 1 + (figures > 0) + (words >= 800))),
        "significance": max(1, min(4, 1 + significant + (persona > 0))),
        "soundness": sound, "presentation": max(1, min(4, 1 + (figures > 0) + (citations > 0))),
        "contribution": max(1, min(4, 1 + significant + (persona > 0))),
        "overall": overall, "confidence": 3 + (h % 2), "ethical_concerns": False,
        "decision": "accept" if overall >= 6 else "reject",
    }


def reflect_review(asked: Asked) -> dict[str, Any]:
    """Keep the review, made consistent: the decision follows the overall score."""
    found = reading.json_values(asked["review"])
    result = dict(found[0]) if found and isinstance(found[0], dict) else {}
    if isinstance(result.get("overall"), int):
        result["decision"] = "accept" if result["overall"] >= 6 else "reject"
    return result


def meta_review(asked: Asked) -> dict[str, Any]:
    reviews = [r for r in reading.json_values(asked["reviews"]) if isinstance(r, dict) and "overall" in r]
    scores = [r.get("overall", 0) for r in reviews]
    weaknesses = sorted({w for r in reviews for w in r.get("weaknesses", [])})
    strengths = sorted({s for r in reviews for s in r.get("strengths", [])})
    return {
        "summary": f"{len(reviews)} reviews with overall scores {scores} "
                   f"(mean {mean(scores) if scores else 0:.2f}).",
        "strengths": strengths, "weaknesses": weaknesses,
        "suggestions": [f"Address: {w}" for w in weaknesses],
    }
