"""A paper's date as its writer gave it: a year, a year and month, or a day.

``date: 2018`` must print "2018", never a day the writer did not give (and never 1970, the
Unix epoch a missing date turned into). YAML reads ``2018`` as an int and ``2018-05-03`` as a
date; ``"2018-05"`` and ``"May 2018"``-free strings are read here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["PaperDate", "parse_paper_date"]

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True)
class PaperDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def iso(self) -> str:
        """``"2018"``, ``"2018-05"`` or ``"2018-05-03"``: the precision given (W3C-DTF)."""
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @property
    def epoch(self) -> int:
        """Seconds since 1970 at the start of the period (UTC): reproducible timestamps only."""
        start = dt.datetime(self.year, self.month or 1, self.day or 1, tzinfo=dt.timezone.utc)
        return int(start.timestamp())

    def display(self, babel_locale: str) -> str:
        """Localised, at the precision given: "2018", "mai 2018", "3 mai 2018"."""
        if self.month is None:
            return str(self.year)
        from babel.dates import format_date, format_skeleton  # babel loads slowly; only when printing

        day = dt.date(self.year, self.month, self.day or 1)
        try:
            if self.day is None:
                return format_skeleton("yMMMM", day, locale=babel_locale)
            return format_date(day, format="long", locale=babel_locale)
        except Exception:  # an unknown locale must not stop a build: ISO is still the writer's date
            return self.iso


def parse_paper_date(value) -> tuple[PaperDate | None, str | None]:
    """(date, None), (None, None) when no date is given, or (None, why it is not a date)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        return PaperDate(value.year, value.month, value.day), None
    if isinstance(value, dt.date):
        return PaperDate(value.year, value.month, value.day), None
    if isinstance(value, bool):
        return None, f"'{value}' is not a date"
    m = _ISO.match(str(value).strip())
    if not m:
        return None, f"'{value}' is not a date"
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as exc:
        return None, f"'{value}' is not a date ({exc})"
    if year < 1900:
        return None, f"'{value}' is not a plausible year for a paper"
    return PaperDate(year, month, day), None
