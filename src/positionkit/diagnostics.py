"""One diagnostic type for every stage and every command.

A diagnostic says where (path, line, column, relative to the project root), how bad, which code,
what is wrong in the user's terms, and how to fix it. `format` is the single place that renders
one for people; `to_dict` the single place for machines.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, replace
from typing import Iterable


_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
"""Every character str.splitlines() breaks at, shown escaped: a diagnostic is one line."""


class Severity(str, enum.Enum):
    """How bad a diagnostic is: errors stop a build; warnings stop only --strict and --final."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    """Stable identifier, e.g. ``PK201``; documented in docs/diagnostics.md."""
    severity: Severity
    message: str
    """What is wrong, in the user's terms."""
    path: str | None = None
    """POSIX path relative to the project root."""
    line: int | None = None
    """1-based."""
    col: int | None = None
    """1-based."""
    hint: str | None = None
    """How to fix it: ``did you mean 'unctad2021'?``"""
    detail: str | None = None
    """A failed tool's whole output, printed under the diagnostic (``positionkit -v``)."""

    def format(self) -> str:
        """One line (a line break in an echoed value shows as \\n), then the detail if any."""
        where = ""
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
                if self.col:
                    where += f":{self.col}"
            where += ": "
        text = f"{where}{self.severity.value}[{self.code}] {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        text = text.translate(_LINE_BREAKS)
        if self.detail:
            text += "\n" + "\n".join("    " + ln for ln in self.detail.splitlines())
        return text

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            **({"detail": self.detail} if self.detail else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Diagnostic":
        """The diagnostic :meth:`to_dict` wrote (as kept in the build cache and the disk cache)."""
        return cls(d["code"], Severity(d["severity"]), d["message"], d["path"], d["line"], d["col"], d["hint"],
                   d.get("detail"))

    def at(self, path: str | None, line: int | None = None, col: int | None = None) -> "Diagnostic":
        return replace(self, path=path, line=line, col=col)


def error(code: str, message: str, path=None, line=None, col=None, hint=None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, path, line, col, hint)


def warning(code: str, message: str, path=None, line=None, col=None, hint=None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, path, line, col, hint)


def info(code: str, message: str, path=None, line=None, col=None, hint=None) -> Diagnostic:
    return Diagnostic(code, Severity.INFO, message, path, line, col, hint)


def sort_key(d: Diagnostic):
    return (d.path or "", d.line or 0, d.col or 0, _RANK[d.severity], d.code, d.message)


def ordered(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by file and line, duplicates removed (a section used by two papers reports once)."""
    return sorted(set(diags), key=sort_key)


def is_fatal(d: Diagnostic, strict: bool = False) -> bool:
    return d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING)


def has_errors(diags: Iterable[Diagnostic], strict: bool = False) -> bool:
    return any(is_fatal(d, strict) for d in diags)


def render(diags: Iterable[Diagnostic], fmt: str = "text") -> str:
    diags = ordered(diags)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2)
    return "\n".join(d.format() for d in diags)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The most similar candidate, for 'did you mean' hints."""
    import difflib

    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    best = closest(word, candidates)
    return f"did you mean '{best}'?" if best else None
