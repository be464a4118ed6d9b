"""The offline model's writing skills: paper sections, revisions, reviews, meta-reviews.

The paper text quotes the numbers of the actual run (read from the ``<results>`` block); the
reviews are computed from the paper text they are shown.
"""

from __future__ import annotations

import hashlib
import re
from statistics import mean
from typing import Any

from agents.latex import latex_escape as tex
from agents.llm.prompt_blocks import first, first_json


def _means(final_info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for group, value in (final_info or {}).items():
        means = value.get("means") if isinstance(value, dict) else None
        if isinstance(means, dict):
            out[group] = means
        elif isinstance(means, int | float):
            out[group] = {"value": means}
    return out


def _primary(final_info: dict[str, Any], metric: str) -> float | None:
    values = [m[metric] for m in _means(final_info).values() if isinstance(m.get(metric), int | float)]
    return mean(values) if values else None


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def write_section(prompt: str) -> dict[str, str]:
    section = first(prompt, "section").strip()
    idea = first_json(prompt, "idea", {}) or {}
    results = first_json(prompt, "results", {}) or {}
    cites = first_json(prompt, "citations", []) or []
    figures = first_json(prompt, "figures", []) or []
    topic = tex(first(prompt, "topic").strip())
    metric = str(results.get("primary_metric", "score"))
    better = "lower" if results.get("lower_is_better") else "higher"
    base = results.get("baseline", {}).get("final_info", {})
    runs = [r for r in results.get("runs", []) if r.get("verdict") == "ok"]
    experiment = tex(str(idea.get("experiment", "")))
    m = tex(metric)
    base_p = _primary(base, metric)
    scored: list[tuple[dict[str, Any], float]] = []
    for r in runs:
        value = _primary(r.get("final_info", {}), metric)
        if value is not None:
            scored.append((r, value))
    sign = -1 if results.get("lower_is_better") else 1
    best = max(scored, key=lambda rp: sign * rp[1]) if scored else None
    improved = best is not None and base_p is not None and sign * (best[1] - base_p) > 0

    if section == "Abstract":
        text = (f"We study {topic} with a controlled experiment on a small template task. "
                f"{experiment} ")
        if best is not None and base_p is not None:
            text += (f"Averaged over all groups, the baseline reaches a mean {m} of {_num(base_p)}, "
                     f"and the best variant ({tex(best[0]['description'])}) reaches "
                     f"{_num(best[1])}, so the change "
                     f"{'improves' if improved else 'does not improve'} on the baseline "
                     f"({better} is better).")
        else:
            text += "No variant completed successfully, so we report the baseline only."
    elif section == "Introduction":
        text = (f"This paper asks a narrow question about {topic}: "
                f"{tex(str(idea.get('title', '')))}. Small, fully reproducible experiments let us "
                f"isolate one factor at a time. Our contributions are a controlled comparison "
                f"of {len(runs) + 1} configurations, reported with standard errors over seeds, "
                f"and an honest account of where the change helps and where it does not.")
    elif section == "Related Work":
        if cites:
            parts = [f"\\citet{{{c['key']}}} study {tex(str(c.get('title', '')).rstrip('.'))}"
                     for c in cites[:6]]
            text = "Our setting builds on prior work. " + "; ".join(parts) + "."
        else:
            text = "We found no closely related work in the literature sources searched."
    elif section == "Background":
        text = (f"We train the template's baseline model and measure {m}, where {better} is "
                f"better. Each configuration is trained with several random seeds, and we "
                f"report means and standard errors.")
    elif section == "Method":
        text = f"The method changes one factor relative to the baseline. {experiment}"
    elif section == "Experimental Setup":
        groups = ", ".join(tex(g) for g in _means(base))
        text = (f"All runs use the template's data and training loop; the evaluation groups are "
                f"{groups}. Runs execute in an isolated container with fixed resource limits, "
                f"and every number below is read from the runs' result files.")
    elif section == "Results":
        sentences = []
        for group, bm in _means(base).items():
            if metric not in bm:
                continue
            parts = [f"the baseline reaches {m} = {bm[metric]}"]
            for r in runs:
                rm = _means(r.get("final_info", {})).get(group, {})
                if metric in rm:
                    parts.append(f"run~{r['index']} ({tex(r['description'])}) reaches {rm[metric]}")
            sentences.append(f"On \\emph{{{tex(group)}}}, " + ", and ".join(parts) + ".")
        text = " ".join(sentences)
        if best is not None and base_p is not None:
            verb = "improves" if improved else "does not improve"
            text += (f" Averaged over groups, the best variant {verb} on the baseline "
                     f"({_num(best[1])} against {_num(base_p)}).")
        text += " Table~\\ref{tab:results} lists every metric"
        text += (", and Figure~\\ref{" + figures[0]["label"] + "} shows the comparison."
                 if figures else ".")
    elif section == "Conclusion":
        text = (f"{'The change helps' if improved else 'The change does not help'} on average "
                f"in our setting. The study is small: a few seeds and synthetic tasks; larger "
                f"models and real data are the natural next step.")
        notes = [n.removeprefix("Address: ").rstrip(".") for n in
                 str(idea.get("revision_notes", "")).splitlines() if n.strip()]
        if notes:
            text += ("\n\n\\paragraph{Limitations raised in review.} In response to the reviews, "
                     "we state plainly what this study does not settle: "
                     + "; ".join(tex(n[:1].lower() + n[1:]) for n in notes) + ".")
    else:
        text = f"{tex(section)} is not part of this paper."
    return {"latex": text}


def refine_section(prompt: str) -> dict[str, str]:
    """Drop every sentence that an integrity problem names; keep the rest as drafted."""
    draft = first(prompt, "draft")
    problems = first_json(prompt, "problems", []) or []
    bad = [p.get("number") for p in problems if isinstance(p, dict) and p.get("number")]
    sentences = re.split(r"(?<=[.!?])\s+", draft.strip())
    kept = [s for s in sentences if not any(b in s for b in bad)]
    return {"latex": " ".join(kept)}


def fix_latex(prompt: str) -> dict[str, str]:
    """Escape bare specials outside math, the usual cause of a failed compile."""
    source = first(prompt, "draft")
    pieces = re.split(r"(\$[^$]*\$|\\[a-zA-Z]+\{[^}]*\}|~\\ref\{[^}]*\})", source)
    fixed = [p if i % 2 else re.sub(r"(?<!\\)([_%&#])", r"\\\1", p) for i, p in enumerate(pieces)]
    return {"latex": "".join(fixed)}


# ---- reviews -------------------------------------------------------------------------------

_PERSONAS = (0, -1, 1)  # neutral, harsh, generous


def review(prompt: str) -> dict[str, Any]:
    paper = first(prompt, "paper")
    index = int(first(prompt, "reviewer", "0") or 0)
    numbers = len(re.findall(r"\b\d+\.\d+\b", paper))
    figures = len(re.findall(r"\bFigure\b|\\includegraphics", paper))
    citations = len(re.findall(r"\[\d+\]|\\cite[pt]?\{", paper)) + len(
        re.findall(r"^References\s*$", paper, re.MULTILINE))
    words = len(paper.split())
    improved = bool(re.search(r"\bimproves\b", paper)) and "does not improve" not in paper
    strengths: list[str] = []
    weaknesses: list[str] = []
    (strengths if numbers >= 5 else weaknesses).append(
        "Results are reported with concrete numbers." if numbers >= 5
        else "Few quantitative results are reported.")
    (strengths if figures else weaknesses).append(
        "Figures support the claims." if figures else "The paper has no figures.")
    (strengths if citations else weaknesses).append(
        "The work is placed in the literature." if citations else "Related work is missing.")
    if improved:
        strengths.append("The proposed change improves on the baseline.")
    else:
        weaknesses.append("The change does not improve on the baseline.")
    weaknesses.append("Experiments are small: few seeds and synthetic data.")
    if words < 1500:
        weaknesses.append("The paper is short; the analysis could go deeper.")
    persona = _PERSONAS[index % len(_PERSONAS)]
    base = 2 + (numbers >= 5) + (figures > 0) + (citations > 0) + improved + (words >= 1500)
    overall = max(1, min(10, base + persona))
    h = int(hashlib.sha256(f"{index}|{words}".encode()).hexdigest()[:4], 16)
    return {
        "summary": f"The paper reports a controlled study with {numbers} reported numbers, "
                   f"{figures} figure references and {words} words.",
        "strengths": strengths,
        "weaknesses": weaknesses,
        "questions": ["How sensitive are the conclusions to the number of seeds?"],
        "limitations": ["Synthetic tasks and small models limit generality."],
        "soundness": max(1, min(4, 1 + (numbers >= 5) + improved + (h % 2))),
        "presentation": max(1, min(4, 1 + (figures > 0) + (citations > 0))),
        "contribution": max(1, min(4, 1 + improved + (persona > 0))),
        "overall": overall,
        "confidence": 3 + (h % 2),
        "decision": "accept" if overall >= 6 else "reject",
    }


def reflect_review(prompt: str) -> dict[str, Any]:
    """Keep the review, made consistent: the decision follows the overall score."""
    review = dict(first_json(prompt, "review", {}) or {})
    if isinstance(review.get("overall"), int):
        review["decision"] = "accept" if review["overall"] >= 6 else "reject"
    return review


def meta_review(prompt: str) -> dict[str, Any]:
    reviews = first_json(prompt, "reviews", []) or []
    scores = [r.get("overall", 0) for r in reviews]
    weaknesses = sorted({w for r in reviews for w in r.get("weaknesses", [])})
    strengths = sorted({s for r in reviews for s in r.get("strengths", [])})
    return {
        "summary": f"{len(reviews)} reviews with overall scores {scores} "
                   f"(mean {mean(scores) if scores else 0:.2f}).",
        "strengths": strengths,
        "weaknesses": weaknesses,
        "suggestions": [f"Address: {w}" for w in weaknesses],
    }
