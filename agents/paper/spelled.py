"""Numbers written in words, read like digits: "ninety-one percent" is 91 %, "three times as
accurate" is a ratio of 3, "five seeds" a count of 5.

Only the forms that state a result or a count are rewritten: a number word before a percent,
before "times" or "-fold", before a counted noun (seeds, runs, epochs ...), and "twice",
"thrice", "a single seed". "One of the runs", "in one case" stay words: they state nothing.
The rewrite keeps the rest of the text as it was.

    >>> digits("ninety-one percent of the points, three times as accurate, over five seeds")
    '91 percent of the points, 3 times as accurate, over 5 seeds'
"""

from __future__ import annotations

import re

_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
#: Nouns a count is about (a number word before one of them is a count).
COUNT_NOUNS = (r"(?:random\s+|independent\s+|different\s+|training\s+|separate\s+|distinct\s+"
               r"|synthetic\s+|toy\s+|2-?d\s+|experimental\s+)*"
               r"(?:seeds?|runs?|epochs?|steps?|iterations?|groups?|datasets?|tasks?|samples?"
               r"|points?|examples?|variants?|configurations?|comparisons?|metrics?|repetitions?"
               r"|trials?|repeats?|distributions?|optimi[sz]ers?|operations?|settings?"
               r"|layers?|classes|conditions|models?|replicates?|problems?|benchmarks?)\b")
_WORD = "|".join(sorted([*_ONES, *_TENS], key=len, reverse=True))
_NUMBER_WORDS = re.compile(
    rf"\b(?P<words>(?:{_WORD})(?:[- ](?:{'|'.join(_ONES)}))?(?:\s+hundred(?:\s+(?:and\s+)?"
    rf"(?:{_WORD})(?:[- ](?:{'|'.join(_ONES)}))?)?)?)\b"
    rf"(?=(?P<after>\s*(?:-\s*fold|\s+percent|\s*\\?%|\s+per\s*cent|\s+times\b|\s+{COUNT_NOUNS})))",
    re.IGNORECASE)


def word_value(words: str) -> int | None:
    """``"ninety-one"`` -> 91, ``"two hundred and five"`` -> 205; ``None`` for anything else."""
    total, current = 0, 0
    for part in re.split(r"[\s-]+", words.lower()):
        if part == "and":
            continue
        if part in _ONES:
            current += _ONES[part]
        elif part in _TENS:
            current += _TENS[part]
        elif part == "hundred":
            current = (current or 1) * 100
        else:
            return None
    return total + current


def digits(text: str) -> str:
    """``text`` with the number words that state a result or a count written as digits."""
    def swap(m: re.Match[str]) -> str:
        value = word_value(m.group("words"))
        if value is None:
            return m.group(0)
        if value == 1 and re.match(r"\s+times\b", m.group("after"), re.IGNORECASE):
            return m.group(0)  # "one times" is not English; leave it
        return str(value)

    text = re.sub(r"\bper\s+cent\b", "percent", text, flags=re.IGNORECASE)
    text = _NUMBER_WORDS.sub(swap, text)
    text = re.sub(r"\btwice\b(?=\s+(?:as|the|more|higher|lower|larger|smaller|faster|slower|better))",
                  "2 times", text, flags=re.IGNORECASE)
    text = re.sub(r"\bthrice\b", "3 times", text, flags=re.IGNORECASE)
    return re.sub(r"\ba\s+single\s+(?=(?:random\s+)?(?:seed|run)\b)", "1 ", text,
                  flags=re.IGNORECASE)
