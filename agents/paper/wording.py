"""The words of a claim: how a sentence says higher or lower, significant or not, a p-value,
a count, a derived quantity or an uncertainty, and the sentence itself as plain text.

``plain_text`` undoes the LaTeX a writer uses (``\\emph``, ``$\\pm$``, ``\\%``, ``$^{*}$``) and
writes numbers in words as digits, so the claim reader (``agents.paper.reading``) reads one
form; the patterns below are what it looks for, in that plain text.
"""

from __future__ import annotations

import re

from agents.paper.spelled import digits

MACROS = re.compile(r"\\(?:textbf|emph|textit|texttt|text|mathrm|mathit|mathbf|mbox|textsc"
                     r"|underline|num|si|textnormal|textrm|ensuremath)\s*\{([^{}]*)\}")


def plain_text(latex: str) -> str:
    """A unit as plain lower-case text: formatting undone, references blanked, ``\\pm`` as
    ``±``, stars as ``*``, numbers in words as digits."""
    text = latex
    for _ in range(3):
        text = MACROS.sub(r"\1", text)
    text = re.sub(r"\\(?:ref|eqref|autoref|cref|label|cite[a-z]*\*?|url|href)\s*(?:\[[^\]]*\])*"
                  r"\{[^}]*\}", " [ref] ", text)
    text = re.sub(r"\$?\^\{?\s*(\*+)\s*\}?\$?|\\textsuperscript\{(\*+)\}", r"\1\2", text)
    text = (text.replace("\\pm", " ± ").replace("\\approx", " ≈ ").replace("\\leq", " <= ")
            .replace("\\geq", " >= ").replace("\\le ", " <= ").replace("\\ge ", " >= ")
            .replace("\\textless", " < ").replace("\\textgreater", " > ").replace("\\%", "%")
            .replace("\\_", "_").replace("~", " ").replace("\\,", "").replace("\\;", " ")
            .replace("\\!", "").replace("\\&", "&").replace("\u2212", "-").replace("\\sim", "~"))
    text = re.sub(r"\\times(?!\s*10\b)", " times ", text)
    text = re.sub(r"\\(?:left|right|big|Big)\b", "", text)
    text = text.replace("$", " ").replace("{", "").replace("}", "")
    text = text.replace("\\", " \\")  # a stray command stays a word of its own
    return " ".join(digits(text).lower().split())


# ---- words ----------------------------------------------------------------------------------

UP = (r"above(?=\s+(?:the\s+)?(?:baseline|run|that|those))|ahead|higher|increas\w*|rais\w*"
      r"|rises?|rose|risen|more|greater|larger|exceed\w*|grows?|grew|climbs?")
DOWN = (r"below(?=\s+(?:the\s+)?(?:baseline|run|that|those))|behind|lower(?:s|ed|ing)?"
        r"|decreas\w*|reduc\w*|drops?|dropped|falls?|fell|fallen|less|smaller"
         r"|declin\w*|shrinks?|cuts?")
BETTER = (r"improv\w*|outperform\w*|better|best|beats?|surpass\w*|superior|boosts?|boosted"
           r"|gains?|helps?|helped|benefits?")
WORSE = r"worse|worst|hurts?|degrad\w*|underperform\w*|inferior|harms?|harmed|impairs?"
DIRECTION = re.compile(rf"\b(?:(?P<up>{UP})|(?P<down>{DOWN})|(?P<better>{BETTER})"
                        rf"|(?P<worse>{WORSE}))\b")
DEFINITION = re.compile(r"\b(?:lower|higher|larger|smaller|more|less)\s+(?:values?\s+)?"
                         r"(?:is|are)\s+better\b|\(\s*(?:lower|higher) is better\s*\)")
NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|fails? to|failed to|without|cannot|none"
                      r"|nothing|n't)\b|n't\b|\bnon-?significant|\binsignificant|\bunlikely")
SIGNIFICANT = re.compile(r"\bsignifican\w*|\bstatistically\b")
NOT_SIGNIFICANT = re.compile(
    r"\b(?:not|no|never|nor|none|neither|without|fails? to (?:be|reach)|failed to (?:be|reach)"
    r"|did not reach|does not reach|do not reach|short of|lack of|n't)\b[^.;]{0,40}?"
    r"(?:significan|statistically)|\bnon-?significant|\binsignificant"
    r"|significan\w*[^.;]{0,30}?\b(?:not|none)\b")
P_VALUE = re.compile(
    r"(?P<adj>(?:holm[- ]?)?(?:adjusted|corrected|raw|unadjusted|uncorrected|nominal)\s+)?"
    r"\bp(?:[- ]?values?)?(?:_?\(?(?:adj|holm|corrected|raw)\)?)?\s*(?:of|is|was|were|:)?\s*"
    r"(?P<op>=|<=|>=|<|>|≤|≥|≈|~)?\s*(?P<num>(?:\d*\.\d+|\d+)(?:[eE][-+]?\d+)?)(?:\s*times\s*10\^-?\d+)?")
ADJ_AFTER = re.compile(r"^\s*,?\s*\(?(?:holm[- ]?)?(adjusted|corrected|raw|unadjusted|uncorrected"
                        r"|nominal|before correction|after correction|holm)")
COUNT = re.compile(
    r"^\s*(?:-\s*)?(?:random\s+|independent\s+|different\s+|training\s+|separate\s+|distinct\s+"
    r"|synthetic\s+|toy\s+|2-?d\s+|experimental\s+|full\s+|complete\s+|total\s+)*"
    r"(?P<noun>seeds?|runs?|epochs?|steps?|iterations?|groups?|datasets?|tasks?|samples?|points?"
    r"|examples?|variants?|configurations?|comparisons?|metrics?|repetitions?|trials?|repeats?"
    r"|distributions?|optimi[sz]ers?|operations?|layers?|classes|replicates?|problems?"
    r"|benchmarks?)\b")
N_EQUALS = re.compile(r"\bn\s*=\s*$")
RAN_TIMES = re.compile(r"\b(?:ran|run|runs|repeated|trained|evaluated|executed)\b[^.;]{0,30}$")
TIMES = re.compile(r"^\s*(?:times\b|x\b|-?\s*fold\b|×)")
PP = re.compile(r"^\s*(?:percentage[- ]points?|pp\b|p\.p\.|points?\b|%\s*points?|% pts)")
RELATIVE = re.compile(r"relative|per ?cent(?:age)? (?:change|increase|decrease|gain|drop)")
DIFF_BEFORE = re.compile(
    r"\b(?:by|difference\s+(?:of|is|was)?|gap\s+(?:of)?|margin\s+(?:of)?|gain\s+(?:of)?|improvement\s+"
    r"(?:of)?|increase\s+(?:of)?|decrease\s+(?:of)?|reduction\s+(?:of)?|drop\s+(?:of)?|lead\s+(?:of)?"
    r"|delta\s+(?:of)?|change\s+(?:of)?|Δ\s*=?)\s*(?:about|roughly|approximately|around|only|just"
    r"|nearly|almost|of)?\s*[+-]?$")
SE = re.compile(r"standard errors?|std\.? errors?|\bs\.?e\.?m?\b|\bsem\b|\bse\b")
SD = re.compile(r"standard deviations?|\bstd\.?\b|\bs\.?d\.?\b|\bsd\b|\bσ")
CI = re.compile(r"confidence intervals?|\bci\b|\bc\.i\.|credible")
AGAINST = re.compile(r"\b(?:than|over|against|versus|vs\.?|compared (?:to|with)|relative to"
                     r"|above|below|behind|ahead of"
                      r"|as accurate as|as (?:high|low|good|large|fast) as|as much as|beyond"
                      r"|from|in comparison (?:to|with)|with respect to)\s+(?:that of\s+)?"
                      r"(?:the\s+)?")
SPLIT = re.compile(r";|\s(?=(?:while|whereas|but|although|though|however|in contrast)\b)")
SIGNIFICANCE_TALK = re.compile(
    r"\b(?:tested|tests?|testing|checked|assessed|evaluated)\s+(?:\w+\s+){0,2}?for\s+(?:statistical\s+)?"
    r"significance|\bsignificance\s+(?:tests?|levels?|thresholds?)|\blevel of significance"
    r"|(?:\*|\bstars?\b|\basterisks?\b)[^.;]{0,20}?\b(?:marks?|denotes?|indicates?|flags?)\b[^.;]{0,100}?"
    r"significan\w*")  # "* marks a difference that is significant": a legend, not a claim
OVER_GROUPS = re.compile(
    r"\b(?:averaged?|on average|overall|mean over|across|over)\s+(?:all\s+)?(?:the\s+)?(?:\w+\s+)?"
    r"(?:groups|datasets|tasks|distributions|operations|optimi[sz]ers)\b|\bon average\b|\boverall\b")
#: Words that give a number as what a run reached ("run 2 reached a KL of 0.03"): a value of the
#: run, never its difference from the baseline.
VALUE_STATED = re.compile(r"\b(?:reach|achiev|obtain|attain|scor|yield|record)\w*\b[^,;()]{0,60}$")
#: Comparison verbs whose object is what the subject is compared with ("A outperforms B").
TRANSITIVE = re.compile(r"\b(?:outperform\w*|beats?|beating|surpass\w*|exceed\w*"
                        r"|underperform\w*|trails?|trailing)\b")
