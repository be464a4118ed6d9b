"""The offline model's writing skills: paper sections, revisions, the whole-paper check, fixes.

The paper text is built from the writer's context as any model sees it: the notes' "What ran"
lines, the results tables (numbers copied as printed), the significance lines, the figures and
the papers to cite. Comparative words are used only where the notes call a difference
significant; a section says n = 1 and no significance when that is what ran.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline_model import reading
from agents.offline_model.reading import Asked
from agents.tex import latex_escape as tex

_CELL = re.compile(r"^(?P<mean>[-+]?[\d.]+(?:e[-+]?\d+)?)(?: \[(?P<low>[^,]+), (?P<high>[^\]]+)\])?$")


class Context:
    """What the writer's context block (the ``context`` fact) says, read back."""

    def __init__(self, prompt: str) -> None:
        self.title = reading.text_after(prompt, r"^Title: (.+)$")
        self.topic = reading.text_after(prompt, r"^Research topic: (.+)$")
        self.idea = reading.section(prompt, "The idea")
        notes = reading.section(prompt, "The notes of the experiment")
        self.ran = [line[2:] for line in reading.section(notes, "What ran").splitlines()
                    if line.startswith("- ")]
        results = reading.section(notes, "Results")
        self.metric = reading.text_after(results, r"^`([^`]+)` \(primary metric\):")
        tables = reading.markdown_tables(results)
        self.primary = tables[0] if tables else []
        self.significance = reading.section(notes, "Significance")
        self.figures = re.findall(r"^- Figure~\\ref\{([^}]+)\}", prompt, re.MULTILINE)
        self.cites = re.findall(r"^- key `([^`]+)`: (.+?) \((\d{4}|n\.d\.)\)\.", prompt, re.MULTILINE)
        self.lower_is_better = "(lower is better)" in self.ran_text
        self.n_seeds = int(m.group(1)) if (m := re.search(r"ran (\d+) times", self.ran_text)) else 1
        self.container = "Docker container" in self.ran_text
        self.asked = reading.section(prompt, "What the reviewers asked for in this revision")

    @property
    def ran_text(self) -> str:
        return " ".join(self.ran)

    @property
    def groups(self) -> list[str]:
        return [k for k in (self.primary[0] if self.primary else {})
                if k not in ("run", "change", "mean over groups")]

    def significant(self, run: str) -> bool:
        return bool(re.search(rf"^- {re.escape(run)} \(.*significant, better\.$", self.significance,
                              re.MULTILINE))

    def best(self) -> dict[str, str] | None:
        """The run with the best mean over groups (as the table prints it)."""
        runs = [r for r in self.primary if r.get("run", "").startswith("run ")]
        scored = [(r, float(r["mean over groups"])) for r in runs
                  if re.fullmatch(r"[-+]?[\d.]+(?:e[-+]?\d+)?", r.get("mean over groups", ""))]
        if not scored:
            return None
        pick = min if self.lower_is_better else max
        return pick(scored, key=lambda rs: rs[1])[0]


def _mean(cell: str) -> str:
    m = _CELL.match(cell.strip())
    return m.group("mean") if m else cell


def _setup_sentences(c: Context) -> str:
    where = ("in an isolated container with no network access" if c.container
             else "directly on the host machine")
    seeds = (f"Each variant ran {c.n_seeds} times, with different seeds; we report means and 95\\% "
             f"confidence intervals." if c.n_seeds > 1 else
             "Each variant ran once (n = 1), so we report single runs, without error bars or "
             "significance tests.")
    data = next((line for line in c.ran if line.startswith("Data: ")), "").removeprefix("Data: ")
    return " ".join(filter(None, [
        f"The data are {tex(data.rstrip('.'))}." if data else "",
        f"The primary metric is {tex(c.metric)}, where "
        f"{'lower' if c.lower_is_better else 'higher'} is better.", seeds,
        f"All runs executed {where}, and every number below is read from the runs' result files."]))


def _verdict(c: Context, best: dict[str, str] | None) -> str:
    if best is not None and c.significant(best["run"]):
        return "is significantly better than the baseline"
    return ("does not differ significantly from the baseline" if c.n_seeds > 1 else
            "differs from the baseline in a single run, which supports no significance claim")


def write_section(asked: Asked) -> str:
    return f"```latex\n{_section(Context(asked['context']), asked['section'].strip())}\n```"


def update_draft(asked: Asked) -> str:
    """Keep the author's draft word for word and add one paragraph of what the runs found
    (the data sections get the whole generated text; Related Work the papers found)."""
    c = Context(asked["context"])
    name = asked["section"].strip()
    drafts = [asked["draft"]]
    best = c.best()
    base = next((r for r in c.primary if r.get("run") == "baseline"), None)
    if name in ("Experimental Setup", "Results") or (name == "Related Work" and c.cites):
        added = _section(c, name)
    elif name == "Related Work":
        added = ""
    elif best is not None and base is not None:
        added = (f"In the runs reported here, averaged over groups, the baseline reaches a mean "
                 f"{tex(c.metric)} of {base['mean over groups']}, and the best variant, "
                 f"{best['run']} ({tex(best['change'])}), reaches {best['mean over groups']}: it "
                 f"{_verdict(c, best)}.")
    else:
        added = "In the runs reported here, no variant completed, so only the baseline was measured."
    text = "\n\n".join(p for p in ((drafts[0].strip() if drafts else ""), added) if p)
    return f"```latex\n{text}\n```"


def _section(c: Context, name: str) -> str:
    m = tex(c.metric)
    best = c.best()
    base = next((r for r in c.primary if r.get("run") == "baseline"), None)
    verdict = _verdict(c, best)
    idea = tex(c.idea)
    if name == "Abstract":  # what changed in a few words: the Method section states the idea
        changes = [tex(r["change"]) for r in c.primary if r.get("run") != "baseline" and r.get("change")]
        text = (f"We study {tex(c.topic)} with a controlled experiment on a small template task, "
                f"changing one setting of the baseline at a time"
                + (f" ({'; '.join(changes)})" if changes else "") + ". ")
        if best is not None and base is not None:
            text += (f"Averaged over groups, the baseline reaches a mean {m} of "
                     f"{base['mean over groups']}, and the best variant, {best['run']} "
                     f"({tex(best['change'])}), reaches {best['mean over groups']}: it {verdict}.")
        else:
            text += "No variant completed, so we report the baseline only."
    elif name == "Introduction":
        text = (f"This paper asks a narrow question about {tex(c.topic)}: {tex(c.title)}. Small, "
                f"fully reproducible experiments let us isolate one factor at a time.\n\n"
                f"\\begin{{itemize}}\n\\item A controlled comparison of {len(c.primary)} "
                f"configurations on the template task.\n\\item An account of which differences "
                f"the statistics support and which they do not.\n\\end{{itemize}}")
    elif name == "Related Work":
        if c.cites:
            parts = [f"\\citet{{{key}}} study {tex(title.rstrip('.'))}" for key, title, _ in c.cites[:6]]
            text = "Our setting builds on prior work. " + "; ".join(parts) + "."
        else:
            text = "The literature search found no closely related work."
    elif name == "Background":
        text = (f"We train the template's baseline model and measure {m}, where "
                f"{'lower' if c.lower_is_better else 'higher'} is better, on each evaluation "
                f"group and on average over the groups.")
    elif name == "Method":
        text = f"The method changes one factor relative to the baseline. {idea}"
    elif name == "Experimental Setup":
        groups = ", ".join(tex(g) for g in c.groups)
        text = f"The evaluation groups are {groups}. " + _setup_sentences(c)
    elif name == "Results":
        text = _results(c, m, best, base, verdict)
    elif name == "Conclusion":
        text = (f"In our setting, the best variant {verdict}. The study is small: "
                f"{'a few seeds' if c.n_seeds > 1 else 'a single run per variant'}, one small "
                f"model and the template's data; larger models and other data are the natural "
                f"next step.")
        notes = [line.strip().removeprefix("- ").removeprefix("Address: ").rstrip(".")
                 for line in c.asked.splitlines() if line.strip()]
        if notes:
            text += ("\n\n\\paragraph{Limitations raised in review.} We state plainly what this "
                     "study does not settle: " + "; ".join(tex(n[:1].lower() + n[1:]) for n in notes)
                     + ".")
    else:
        text = f"{tex(name)} is not part of this paper."
    return text


def _results(c: Context, m: str, best: dict[str, str] | None, base: dict[str, str] | None,
             verdict: str) -> str:
    sentences = []
    for group in c.groups:
        parts = [f"{r['run'].replace(' ', '~')} ({tex(r['change'])}) reaches {m} = {_mean(r[group])}"
                 if r["run"] != "baseline" else f"the baseline reaches {m} = {_mean(r[group])}"
                 for r in c.primary if r.get(group)]
        if parts:
            sentences.append(f"On \\emph{{{tex(group)}}}, " + ", and ".join(parts) + ".")
    text = " ".join(sentences)
    if best is not None and base is not None:
        text += (f" Averaged over groups, the best variant reaches {best['mean over groups']} "
                 f"against the baseline's {base['mean over groups']}: it {verdict}.")
    text += " Table~\\ref{tab:results} lists every group"
    text += (", and Figure~\\ref{" + c.figures[0] + "} shows the runs." if c.figures else ".")
    return text


def refine_section(asked: Asked) -> str:
    """Drop every sentence that a problem quotes; keep the rest as drafted."""
    draft = asked["draft"]
    quoted = re.findall(r": \"(.+)\"$", asked["problems"], re.MULTILINE)
    sentences = re.split(r"(?<=[.!?])\s+", draft.strip())
    kept = [s for s in sentences if not any(q[:60] in " ".join(s.split()) for q in quoted)]
    return "```latex\n" + (" ".join(kept) or draft) + "\n```"


def check_paper(asked: Asked) -> dict[str, Any]:
    """A real, simple read of the whole paper: sections with no sentence at all are flagged."""
    paper = asked["written"]
    problems = []
    for name, body in re.findall(r"^### (.+?)\n```latex\n(.*?)\n```", paper, re.DOTALL | re.MULTILINE):
        if len(body.split()) < 8:
            problems.append({"section": name, "problem": "The section is too short to say anything."})
    return {"problems": problems}


def fix_latex(asked: Asked) -> str:
    """Escape bare specials outside math, the usual cause of a failed compile."""
    source = asked["draft"]
    pieces = re.split(r"(\$[^$]*\$|\\[a-zA-Z]+\{[^}]*\}|~\\ref\{[^}]*\})", source)
    fixed = [p if i % 2 else re.sub(r"(?<!\\)([_%&#])", r"\\\1", p) for i, p in enumerate(pieces)]
    return "```latex\n" + "".join(fixed) + "\n```"
