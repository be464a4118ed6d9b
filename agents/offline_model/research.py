"""The offline model's research skills: ideas, reflection, novelty judgement, run plans, edits
(its tree search is ``tree_search``).

Each skill takes what fills its prompt's placeholders (``reading.Asked``: the text a real model
reads there) and returns its answer: JSON for the structured tasks, SEARCH/REPLACE text for
edits. Everything is derived from them (the template's code, the baseline, the idea, the
literature found, the run history), deterministically.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import re
from typing import Any

from agents.offline_model import reading
from agents.offline_model.knobs import Knob, fmt, knobs, mentions, variants
from agents.offline_model.reading import Asked

_BASELINE = re.compile(r"from\s+(\"[^\"]*\"|[-+]?[0-9][0-9.eE+-]*|True|False)\s+to\b")
_STOP = frozenset((
    "tuning", "a", "an", "the", "of", "on", "in", "for", "and", "or", "to", "with", "by", "from", "is",
    "are", "be", "as", "at", "via", "how", "does", "do", "what", "when", "its", "it", "this",
    "that", "we", "our", "using", "use", "under", "between", "into", "than", "more", "less",
    "study", "effect",
))
RESTATES = 0.85  # title similarity at which an idea restates a paper
OVERLAP = 0.35  # share of key terms at which a paper covers the idea


def _digest(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def content_words(text: str) -> set[str]:
    """Lower-case content words, plurals folded ('schedules' matches 'schedule')."""
    words = re.findall(r"[a-z][a-z0-9]+", text.lower().replace("_", " "))
    return {w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w
            for w in words if w not in _STOP and len(w) > 2}


def experiment_code(template: str) -> str:
    """experiment.py as the template's context (the ``template`` fact) shows it."""
    return reading.files(template).get("experiment.py", "")


def _metric(template: str) -> str:
    return reading.text_after(template, r"The primary metric is `([^`]+)`", "the primary metric")


# ---- ideas ---------------------------------------------------------------------------------


def ideate(asked: Asked) -> dict[str, Any]:
    topic = asked["topic"].strip()
    metric = _metric(asked["template"])
    count = asked.number("num_ideas", 2)
    max_runs = asked.number("max_runs", 2)
    seeds = [s for s in reading.json_values(asked["seed_ideas"]) if isinstance(s, dict)]
    taken = {str(s.get("name")) for s in seeds}
    # ideas of earlier rounds, judged not novel: listed by title, not to be proposed again
    rejected = {normalize_title(m) for m in re.findall(
        r"^- (.+?)(?: \(already covered by: .*\))?$", asked["rejected"], re.MULTILINE)}
    topic_words = content_words(topic)

    def relevance(k: Knob) -> tuple[int, int, int]:
        overlap = len(topic_words & content_words(k.words + " " + k.comment))
        # Integers are mostly sizes and step counts: changing them changes the compute budget,
        # so ideas on rates, coefficients and choices come first.
        costly = isinstance(k.value, int) and not isinstance(k.value, bool)
        return (-overlap, int(costly), _digest(topic, k.name) % 1000)

    ideas = []
    for knob in sorted(_knobs(asked["template"]), key=relevance):
        values = variants(knob, max_runs)
        name = f"{knob.words.replace(' ', '_')}_study"
        title = f"Tuning {knob.words.title()} for {topic[:1].upper() + topic[1:]}"
        if not values or name in taken or normalize_title(title) in rejected:
            continue
        steps = ", then to ".join(fmt(x) for x in values)
        h = _digest(topic, knob.name)
        ideas.append({
            "name": name,
            "title": title,
            "experiment": (
                f"Change {knob.name} from {fmt(knob.value)} to {steps}, one run each, keeping "
                f"every other setting fixed; compare {metric} with the baseline on every group."),
            "interestingness": 4 + h % 5, "feasibility": 9, "novelty": 3 + (h // 7) % 5,
        })
        if len(ideas) == count:
            break
    if not ideas:  # no knob found: the template's own seed ideas are the fallback
        ideas = seeds[:count]
    return {"ideas": ideas}


def reflect_idea(asked: Asked) -> dict[str, Any]:
    """Keep the idea within the run budget: more planned values than runs are cut."""
    found = reading.json_values(asked["idea"])
    idea = dict(found[0]) if found and isinstance(found[0], dict) else {}
    max_runs = asked.number("max_runs", 2)
    experiment = str(idea.get("experiment", ""))
    parts = re.split(r", then to ", experiment)
    if len(parts) > max_runs:
        tail = re.search(r", one run each.*$", parts[-1])
        experiment = ", then to ".join(parts[:max_runs]) + (tail.group(0) if tail else ".")
        idea["experiment"] = experiment
        idea["feasibility"] = min(int(idea.get("feasibility", 9)), 9)
    return idea


# ---- novelty -------------------------------------------------------------------------------


def normalize_title(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def _papers(searches: str) -> list[dict[str, str]]:
    """The papers the searches returned, as the prompt lists them ('- Title (Year): ...')."""
    papers = []
    for line in searches.splitlines():
        m = re.match(r"^\s+- (?P<title>.+?)(?: \((?P<year>\d{4})\))?(?:: (?P<abstract>.*))?$", line)
        if m:
            papers.append({"title": m.group("title"), "abstract": m.group("abstract") or ""})
    return papers


def restates(idea_title: str, paper_title: str) -> bool:
    a, b = normalize_title(idea_title), normalize_title(paper_title)
    return bool(a) and difflib.SequenceMatcher(None, a, b).ratio() >= RESTATES


def novelty_step(asked: Asked) -> dict[str, Any]:
    values = reading.json_values(asked["idea"])
    idea = values[0] if values and isinstance(values[0], dict) else {}
    round_no = asked.number("round", 1)
    rounds = asked.number("rounds", 2)
    must_decide = round_no >= rounds  # the last round (and the extra one, to decide) is shown as the last
    papers = _papers(asked["searches"])
    title = str(idea.get("title", ""))
    idea_words = content_words(title + " " + str(idea.get("experiment", "")))
    if not must_decide and round_no < rounds:
        if round_no == 1:
            query = " ".join(sorted(content_words(title))[:6]) or title
        else:  # a second look: the knob itself, in plain words
            knob = re.search(r"\b([A-Z][A-Z0-9_]{2,}|--[\w-]+)\b", str(idea.get("experiment", "")))
            query = (knob.group(1).lower().strip("-").replace("_", " ") if knob
                     else str(idea.get("name", ""))) + " neural network training"
        return {"action": "search", "query": query, "novel": None, "closest": [],
                "reason": "search the literature before deciding"}

    def similarity(paper: dict[str, str]) -> float:
        words = content_words(paper["title"] + " " + paper["abstract"])
        return len(idea_words & words) / max(1, len(idea_words | words))

    same = [p for p in papers if restates(title, p["title"])]
    ranked = same + sorted((p for p in papers if p not in same), key=similarity, reverse=True)
    ranked = ranked[:3]
    if same:
        return {"action": "decide", "query": "", "novel": False, "closest": [p["title"] for p in ranked],
                "reason": f"The idea restates the paper '{same[0]['title']}', which the search "
                          f"returned: it is not new."}
    best = similarity(ranked[0]) if ranked else 0.0
    novel = best < OVERLAP
    if ranked:
        reason = (f"The closest paper found, '{ranked[0]['title']}', shares {best:.0%} of its key "
                  f"terms with the idea; " + ("it studies a different question." if novel
                                              else "it already covers the idea."))
    else:
        reason = "No related paper was found in the searched literature."
    return {"action": "decide", "query": "", "novel": novel,
            "closest": [p["title"] for p in ranked], "reason": reason}


# ---- runs ----------------------------------------------------------------------------------


def idea_experiment(idea: str) -> str:
    """The experiment of an idea as the coder's prompts show it (title, then the experiment)."""
    return idea.split("\n\n", 1)[-1].strip()


def baseline_value(experiment: str, knob: Knob) -> Any:
    """The knob's baseline as the idea states it ('from 0.1 to ...'), else its current value."""
    mention = mentions(experiment, knob.name)
    found = _BASELINE.match(experiment[mention.end():].lstrip()) if mention else None
    if found is None:
        return knob.value
    try:
        return ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return knob.value


def planned_values(experiment: str, knob: Knob, count: int) -> list[Any]:
    """The values an idea's experiment text asks for, in order ('to 0.5, then to 0.9')."""
    found_name = mentions(experiment, knob.name)
    after = experiment[found_name.end():] if found_name else ""
    found = []
    for raw in re.findall(r"\bto\s+(\"[^\"]*\"|'[^']*'|True|False|[-+]?[0-9][0-9.eE+-]*)", after):
        try:
            found.append(ast.literal_eval(raw.rstrip(".,;")))
        except (ValueError, SyntaxError):
            continue
    return found or variants(knob, count)


def _protected(template: str) -> set[str]:
    """The names the template's grader protects, as the template's context lists them."""
    line = reading.text_after(template, r"^Protected names in experiment\.py[^:\n]*: (.+)$")
    return set(re.findall(r"`([^`]+)`", line))


def _knobs(template: str) -> list[Knob]:
    """The settings of experiment.py the coder may change (not the grader's)."""
    protected = _protected(template)
    return [k for k in knobs(experiment_code(template)) if k.name not in protected]


def knob_for(experiment: str, template: str) -> Knob | None:
    found = _knobs(template)
    named = [k for k in found if mentions(experiment, k.name)]
    chosen = named or found
    return chosen[0] if chosen else None


def plan_runs(asked: Asked) -> dict[str, Any]:
    experiment = idea_experiment(asked["idea"])
    max_runs = asked.number("max_runs", 2)
    knob = knob_for(experiment, asked["template"])
    if knob is None:
        return {"runs": ["Run 1: no setting of the code could be found to change"]}
    values = planned_values(experiment, knob, max_runs)[:max_runs]
    return {"runs": [f"Run {i}: set {knob.name} to {fmt(v)}" for i, v in enumerate(values, 1)]}


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


def edit_code(asked: Asked) -> str:
    run = asked.number("run", 1)
    plan = re.findall(r"^- Run (\d+): set (\S+) to (.+)$", asked["plan"], re.MULTILINE)
    step = next(((name, raw) for index, name, raw in plan if int(index) == run), None)
    if step is None:
        return "DONE"
    knob = next((k for k in _knobs(asked["template"]) if k.name == step[0]), None)
    if knob is None:
        return "DONE"
    try:
        target = ast.literal_eval(step[1].strip())
    except (ValueError, SyntaxError):
        return "DONE"
    # Read the feedback: each failed attempt at this run moves the value back toward baseline.
    history = reading.markdown_tables(asked["history"])
    failures = sum(1 for row in (history[0] if history else [])
                   if row.get("run") == f"run {run}" and row.get("verdict") != "ok")
    value = retreat(baseline_value(idea_experiment(asked["idea"]), knob), target, failures)
    note = f" (retry {failures}: the last attempt failed)" if failures else ""
    return (f"Run {run}: {knob.name} = {fmt(value)}{note}\n\nexperiment.py\n<<<<<<< SEARCH\n"
            f"{knob.line}\n=======\n{knob.with_value(value)}\n>>>>>>> REPLACE\n")


def fix_plot(asked: Asked) -> str:
    """The offline model cannot debug plotting code: it says so and changes nothing."""
    return "DONE"


def update_plot_labels(asked: Asked) -> str:
    """Rewrite plot.py's ``labels = {...}`` to name the runs the prompt lists, in order."""
    code = reading.files(asked["code"]).get("plot.py", "")
    runs = next((v for v in reading.json_values(asked["runs"]) if isinstance(v, dict)), None)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return "DONE"
    target = next((n for n in tree.body if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "labels" for t in n.targets)), None)
    if not runs or target is None or target.end_lineno is None:
        return "DONE"
    old = "\n".join(code.splitlines()[target.lineno - 1:target.end_lineno])
    new = "labels = {\n" + "".join(f"    {json.dumps(str(k))}: {json.dumps(str(v))},\n"
                                   for k, v in runs.items()) + "}"
    return (f"The labels dict now names all {len(runs)} runs.\n\nplot.py\n<<<<<<< SEARCH\n"
            f"{old}\n=======\n{new}\n>>>>>>> REPLACE\n")
