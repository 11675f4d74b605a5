"""Find the gazetteer street an address means, exactly or despite typos.

Candidates come from the exact core name (``FAIRMOUNT``) or, failing that, from a
fuzzy match (rapidfuzz) over every core name; each is scored on how well its
direction, suffix, ZIP and known house numbers agree with the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from lastmile.geo.addresses import ParsedAddress, house_number_value
from lastmile.geo.gazetteer import Gazetteer, Street

FUZZY_CUTOFF = 80.0
# One slip in a four-letter name scores 75; such weak matches must be confirmed by the
# house number being known on that street and the ZIP agreeing.
WEAK_CUTOFF = 70.0
SUGGEST_CUTOFF = 60.0


@dataclass(frozen=True)
class StreetMatch:
    """A candidate street, its score (100 = perfect) and what had to be corrected."""

    street: Street
    score: float
    name_score: float
    corrections: tuple[str, ...]
    number_known: bool


def _fix(label: str, given: str, known: str) -> str:
    return f"{label} {given or '(none)'} -> {known or '(none)'}"


def score_street(parsed: ParsedAddress, street: Street, name_score: float) -> StreetMatch:
    """Score one candidate street against the parsed input."""
    given, known = parsed.street, street.name
    score = name_score
    corrections: list[str] = []
    if name_score < 100:
        corrections.append(_fix("street", given.core, known.core))
    for label, g, k, clash, missing, extra in (
        ("direction", given.predir, known.predir, 25.0, 4.0, 10.0),
        ("suffix", given.suffix, known.suffix, 6.0, 2.0, 4.0),
        ("post-direction", given.postdir, known.postdir, 25.0, 4.0, 10.0),
    ):
        if g == k:
            continue
        # A missing part is a small fix; a contradicting one is a real doubt.
        score -= clash if (g and k) else missing if k else extra
        corrections.append(_fix(label, g, k))
    if parsed.zip and street.zips:
        score += 3.0 if parsed.zip in street.zips else -10.0
    number = house_number_value(parsed.house_number)
    number_known = False
    if number is not None and street.numbers.size:
        number_known = bool(np.any(street.numbers == number))
        if number_known:
            score += 10.0
        elif street.numbers.min() <= number <= street.numbers.max():
            score += 3.0
        else:
            score -= 5.0
    return StreetMatch(street, score, name_score, tuple(corrections), number_known)


def match_streets(gazetteer: Gazetteer, parsed: ParsedAddress, limit: int = 5) -> list[StreetMatch]:
    """Return candidate streets for ``parsed``, best first (empty when nothing is close)."""
    core = parsed.street.core
    if not core:
        return []
    scored: list[StreetMatch] = []
    exact = gazetteer.by_core.get(core, [])
    if exact:
        scored = [score_street(parsed, s, 100.0) for s in exact]
    else:
        hits = process.extract(
            core, gazetteer.cores, scorer=fuzz.ratio, limit=limit, score_cutoff=WEAK_CUTOFF
        )
        for name, name_score, _ in hits:
            for street in gazetteer.by_core[name]:
                m = score_street(parsed, street, float(name_score))
                confirmed = m.number_known and (not parsed.zip or parsed.zip in street.zips)
                if name_score >= FUZZY_CUTOFF or confirmed:
                    scored.append(m)
    scored.sort(key=lambda m: -m.score)
    return scored[:limit]


def suggest_streets(gazetteer: Gazetteer, parsed: ParsedAddress, limit: int = 3) -> list[str]:
    """Return the names of streets close to what was typed, for a "did you mean"."""
    query = parsed.street.full or parsed.raw.upper()
    hits = process.extract(
        query,
        list(gazetteer.streets),
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=SUGGEST_CUTOFF,
    )
    return [name for name, _, _ in hits]
