"""A template's grader: what measures the results, which the coder may not change.

A template declares it in ``template.toml``::

    [grader]
    functions = ["__main__", "main", "evaluate", "load_split", "SEEDS"]  # in experiment.py
    files = ["evaluate.py"]          # read-only in every job
    heldout = ["heldout"]            # given (read-only) only to the held-out test job
    private = ["load_split"]         # names the coder's own code may not use
    test_argument = "--eval_test"    # the test job runs experiment.py with this flag
    test_metric = "test_accuracy"    # the primary metric's name in the test job's results

``functions`` are top-level names of ``experiment.py`` (functions, classes or constants;
``__main__`` is its ``if __name__ == "__main__":`` block). Three guards use the declaration:

- ``edit_problem`` refuses an edit that changes a protected definition or file, defines a protected
  name a second time, or lets the coder's code reach a private name or the held-out data (the
  reason goes back to the coder like any failed edit);
- ``GraderPrint.mismatches`` compares a job folder with the template before and after the job:
  the sha256 of each protected file and of each protected definition's source text (``ast``);
- the sandbox gets the protected files as ``SandboxJob.readonly``.

What it cannot see: code that reaches a protected name by a computed route (``getattr(module,
"eval" + "uate")``), or that regenerates the data from its known recipe.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAIN_GUARD = "__main__"
#: Routes by which the method's code could write the results itself or reach the grader's
#: names without naming them: refused in the method's code whenever a grader is declared.
#: They close the obvious routes, not every route (see the module's docstring).
FORBIDDEN_NAMES = frozenset({"exec", "eval", "compile", "globals", "vars", "__import__",
                             "setattr", "delattr", "exit", "quit", "breakpoint", "__builtins__"})
FORBIDDEN_ATTRS = {"sys": {"exit", "modules", "_getframe", "settrace", "setprofile"},
                   "os": {"_exit", "kill", "abort", "execv", "execve", "execvp", "system"}}
FORBIDDEN_DUNDERS = frozenset({"__globals__", "__code__", "__dict__", "__builtins__",
                               "f_globals", "f_back", "f_locals"})
RESULTS_FILE = "final_info"
EXPERIMENT = "experiment.py"
REFUSED = "protected grader"  # every refusal reason starts with this


class GraderSpec(BaseModel):
    """The ``[grader]`` table of ``template.toml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    functions: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    heldout: list[str] = Field(default_factory=list)
    private: list[str] = Field(default_factory=list)
    test_argument: str | None = None
    test_metric: str | None = None

    @property
    def declared(self) -> bool:
        return bool(self.functions or self.files or self.heldout)

    @property
    def has_test(self) -> bool:
        return self.test_argument is not None

    def readonly(self, *, test: bool) -> list[str]:
        return [*self.files, *(self.heldout if test else [])]


def parse_grader(table: Any) -> GraderSpec | None:
    """The declaration, or None when the template has none; ValueError for a bad one."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ValueError("[grader] must be a table")
    spec = GraderSpec.model_validate(table)
    for rel in [*spec.files, *spec.heldout]:
        path = PurePosixPath(rel)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError(f"[grader] path {rel!r} must be relative, inside the template")
    if spec.test_argument is not None and not spec.test_argument.startswith("--"):
        raise ValueError(f"[grader] test_argument {spec.test_argument!r} must start with --")
    if spec.has_test != (spec.test_metric is not None):
        raise ValueError("[grader] test_argument and test_metric go together")
    return spec


# --- definitions by name ------------------------------------------------------------------

def _names_defined(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    if isinstance(node, ast.Import | ast.ImportFrom):
        names += [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, ast.If) and _is_main_guard(node):
        names.append(MAIN_GUARD)
    return names


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


#: A line with its end, as Python's parser splits source (\r\n kept together; no \f split).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _segment(lines: list[str], node: ast.stmt) -> str:
    """``ast.get_source_segment(source, node, padded=True)`` on the source's lines, split once
    (Python 3.11 splits the whole source again, a character at a time, for every node)."""
    if node.end_lineno is None or node.end_col_offset is None:
        return ""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first].encode()[node.col_offset:node.end_col_offset].decode()
    pad = "".join(c if c in "\f\t" else " " for c in lines[first].encode()[:node.col_offset].decode())
    return "".join([pad + lines[first].encode()[node.col_offset:].decode(),
                    *lines[first + 1:last], lines[last].encode()[:node.end_col_offset].decode()])


@functools.lru_cache(maxsize=64)
def _definitions(source: str, names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    tree = ast.parse(source)
    lines = _LINE.findall(source)
    found: dict[str, list[str]] = {n: [] for n in names}
    for node in tree.body:
        for name in _names_defined(node):
            if name in found:
                found[name].append(_segment(lines, node))
    return tuple(tuple(found[n]) for n in names)


def definitions(source: str, names: list[str]) -> dict[str, list[str]]:
    """Each of ``names``: the source text of every top-level statement that defines it (a source is read
    once per process: every job checks the template's grader; a SyntaxError is raised on every call)."""
    unique = tuple(dict.fromkeys(names))
    return {n: list(texts) for n, texts in zip(unique, _definitions(source, unique), strict=True)}


def _nested_rebindings(tree: ast.Module, names: set[str]) -> list[str]:
    """Protected names bound anywhere below the top level (``global evaluate`` in a function,
    an assignment in a loop or a ``with``): a way round the top-level check."""
    hits: list[str] = []
    for top in tree.body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and top.name in names:
            continue  # the protected definition itself: compared as a whole
        if isinstance(top, ast.If) and _is_main_guard(top) and MAIN_GUARD in names:
            continue
        for node in ast.walk(top):
            if node is top:
                continue
            if isinstance(node, ast.Global | ast.Nonlocal):
                hits += [n for n in node.names if n in names]
            elif isinstance(node, ast.stmt):
                hits += [n for n in _names_defined(node) if n in names and n != MAIN_GUARD]
    return hits


def _without_docstrings(node: ast.stmt) -> ast.stmt:
    """A copy of ``node`` without its docstrings (text, never code)."""
    import copy

    clean = copy.deepcopy(node)
    for sub in ast.walk(clean):
        body = getattr(sub, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            body[0] = ast.Pass()
    if isinstance(clean, ast.Expr) and isinstance(clean.value, ast.Constant):
        return ast.Pass()
    return clean


def _uses(node: ast.AST, names: set[str], strings: tuple[str, ...]) -> set[str]:
    used: set[str] = set()
    inert = {id(sub.value) for sub in ast.walk(node)  # docstrings: text, never a path used
             if isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Constant)}
    for sub in ast.walk(node):
        if id(sub) in inert:
            continue
        if isinstance(sub, ast.Name) and sub.id in names:
            used.add(sub.id)
        elif isinstance(sub, ast.Attribute) and sub.attr in names:
            used.add(sub.attr)
        elif isinstance(sub, ast.alias) and sub.name.split(".")[-1] in names:
            used.add(sub.name)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            used.update(s for s in strings if s and s in sub.value)
    return used


def _forbidden(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in FORBIDDEN_NAMES:
            return f"{sub.id}()"
        if isinstance(sub, ast.Attribute):
            if sub.attr in FORBIDDEN_DUNDERS:
                return f".{sub.attr}"
            owner = sub.value.id if isinstance(sub.value, ast.Name) else ""
            if sub.attr in FORBIDDEN_ATTRS.get(owner, ()):
                return f"{owner}.{sub.attr}"
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) \
                and RESULTS_FILE in sub.value:
            return f"the results file ({RESULTS_FILE}.json)"
    return None


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


# --- the guards ---------------------------------------------------------------------------

class GraderPrint(BaseModel):
    """The sha256 of each protected item of a folder (``file:<path>``, ``def:<name>``)."""

    items: dict[str, str]

    def mismatches(self, other: GraderPrint) -> list[str]:
        return [f"{key} is not the template's" for key, want in self.items.items()
                if other.items.get(key) != want]


def _file_digest(path: Path) -> str:
    if path.is_symlink() or not path.exists():
        return "missing"
    if path.is_file():
        return _sha(path.read_bytes())
    parts = [f"{p.relative_to(path).as_posix()}:{_file_digest(p)}"
             for p in sorted(path.rglob("*")) if p.is_file() or p.is_symlink()]
    return _sha("\n".join(parts))


def grader_print(spec: GraderSpec, folder: Path, *, heldout: bool) -> GraderPrint:
    """The fingerprint of ``folder``'s grader (with the held-out data when ``heldout``)."""
    items = {f"file:{rel}": _file_digest(folder / rel)
             for rel in [*spec.files, *(spec.heldout if heldout else [])]}
    if spec.functions:
        path = folder / EXPERIMENT
        try:
            found = definitions(path.read_text(encoding="utf-8"), spec.functions)
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            found = {}
        for name in spec.functions:
            texts = found.get(name, [])
            items[f"def:{name}"] = _sha(texts[0]) if len(texts) == 1 else (
                "missing" if not texts else f"defined {len(texts)} times")
    return GraderPrint(items=items)


def _protected_path(spec: GraderSpec, rel: str) -> str | None:
    parts = PurePosixPath(rel).parts
    for item in [*spec.files, *spec.heldout]:
        own = PurePosixPath(item).parts
        if parts[:len(own)] == own:
            return item
    return None


def edit_problem(spec: GraderSpec, template_dir: Path, changed: dict[str, str | None]) -> str | None:
    """Why an edit may not be made (None: it may). ``changed``: each path the edit writes,
    relative to the code folder, with its new text (None: a file the edit names but that
    is not text, such as data)."""
    for rel in changed:
        hit = _protected_path(spec, rel)
        if hit is not None:
            return (f"{REFUSED}: {rel} is part of the template's grader ({hit}), which measures "
                    f"the results; it cannot be edited. Change the method, not the measurement.")
    source = changed.get(EXPERIMENT)
    if source is None or not (spec.functions or spec.private or spec.heldout):
        return None
    original = (template_dir / EXPERIMENT).read_text(encoding="utf-8")
    want = definitions(original, spec.functions)
    try:
        tree = ast.parse(source)
        got = definitions(source, spec.functions)
    except SyntaxError:
        return None  # the compile check says so
    for name in spec.functions:
        label = "the main block" if name == MAIN_GUARD else name
        if len(got[name]) > 1:
            return (f"{REFUSED}: {label} is defined {len(got[name])} times in experiment.py; it "
                    f"is part of the template's grader and must stay exactly as the template has "
                    f"it, defined once.")
        if got[name] != want[name]:
            return (f"{REFUSED}: the edit changes {label} in experiment.py, which is part of the "
                    f"template's grader (it measures the results). Leave it exactly as it is; "
                    f"change only the method's own code.")
    rebound = _nested_rebindings(tree, set(spec.functions))
    if rebound:
        return (f"{REFUSED}: the edit binds {rebound[0]} inside other code; it is part of the "
                f"template's grader and must not be replaced.")
    protected = set(spec.functions)
    folders = tuple(PurePosixPath(h).parts[0] for h in spec.heldout)
    for node in tree.body:
        if set(_names_defined(node)) & protected:
            continue
        if (route := _forbidden(_without_docstrings(node))) is not None:
            return (f"{REFUSED}: the method's code may not use {route}: only the grader writes "
                    f"the results and ends the program.")
        used = _uses(node, set(spec.private), folders)
        if used:
            what = ", ".join(sorted(used))
            return (f"{REFUSED}: the method's code may not use {what}: the grader alone reads "
                    f"the evaluation and held-out data.")
    return None


def _same_code(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a.strip())) == ast.dump(ast.parse(b.strip()))
    except SyntaxError:
        return False


def restore_layout(spec: GraderSpec, template_dir: Path, source: str) -> str:
    """``source`` with each protected definition that is the template's code in another
    layout (spaces, comments, quotes: the same syntax tree) put back as the template has it,
    byte for byte. Models that answer with a whole file often re-indent or drop comments;
    that is not a change of the grader, and any other difference is still refused."""
    if not spec.functions:
        return source
    try:
        got = definitions(source, spec.functions)
    except SyntaxError:
        return source
    want = definitions((template_dir / EXPERIMENT).read_text(encoding="utf-8"), spec.functions)
    for name in spec.functions:
        if len(got[name]) == 1 and len(want[name]) == 1 and got[name] != want[name] \
                and _same_code(got[name][0], want[name][0]) and source.count(got[name][0]) == 1:
            source = source.replace(got[name][0], want[name][0])
    return source


def grader_summary(spec: GraderSpec | None) -> str:
    """One line for prompts, notes and papers."""
    if spec is None or not spec.declared:
        return "none declared"
    parts = []
    if spec.functions:
        names = ["the main block" if f == MAIN_GUARD else f for f in spec.functions]
        parts.append("in experiment.py: " + ", ".join(names))
    if spec.files:
        parts.append("files: " + ", ".join(spec.files))
    if spec.heldout:
        parts.append("held-out data (test job only): " + ", ".join(spec.heldout))
    return "; ".join(parts)


def grader_problems(path: Path, settings: dict[str, Any]) -> list[str]:
    """What is wrong with a template's ``[grader]`` declaration (for ``template check``)."""
    try:
        spec = parse_grader(settings.get("grader"))
    except ValueError as exc:
        return [f"template.toml: [grader] is invalid: {str(exc).splitlines()[0]}"]
    if spec is None:
        return []
    problems = [f"template.toml: [grader] names {rel}, which the template does not have"
                for rel in [*spec.files, *spec.heldout] if not (path / rel).exists()]
    if spec.functions:
        try:
            found = definitions((path / EXPERIMENT).read_text(encoding="utf-8"), spec.functions)
        except (OSError, SyntaxError, ValueError):
            return problems  # the other checks say why experiment.py cannot be read
        problems += [f"template.toml: [grader] function {name} is defined {len(texts)} times "
                     f"in experiment.py (it must be defined exactly once)"
                     for name, texts in found.items() if len(texts) != 1]
    try:
        own = edit_problem(spec, path, {EXPERIMENT: (path / EXPERIMENT).read_text(encoding="utf-8")})
    except (OSError, UnicodeDecodeError):
        own = None
    if own:
        problems.append(f"template.toml: [grader]: the template's own experiment.py breaks its "
                        f"grader's rules: {own.removeprefix(REFUSED + ': ')}")
    knob = (settings.get("seed") or {}).get("knob")
    if knob and knob in spec.functions:
        problems.append(f"template.toml: the seed knob {knob} is rewritten for every job, so "
                        f"it cannot be part of the grader; seed with an argument instead")
    return problems
