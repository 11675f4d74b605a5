"""Parse and normalise US street addresses (usaddress, then USPS Publication 28 forms).

Parsing never raises: empty, overlong, non-ASCII or garbage strings come back as a
``ParsedAddress`` with ``problems`` saying what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

import usaddress
from rapidfuzz import fuzz, process

MAX_ADDRESS_LENGTH = 300

DIRECTIONS: dict[str, str] = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "N": "N",
    "S": "S",
    "E": "E",
    "W": "W",
    "NE": "NE",
    "NW": "NW",
    "SE": "SE",
    "SW": "SW",
}

# USPS Publication 28, appendix C1: common street suffixes and their variants.
_SUFFIX_VARIANTS: dict[str, tuple[str, ...]] = {
    "ALY": ("ALLEY", "ALLEE", "ALLY"),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV", "BLV"),
    "BR": ("BRANCH", "BRNCH"),
    "BRG": ("BRIDGE", "BRDGE"),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CT": ("COURT", "CRT"),
    "CTR": ("CENTER", "CENTRE", "CEN", "CENT", "CENTR", "CNTER", "CNTR"),
    "CV": ("COVE",),
    "CRES": ("CRESCENT", "CRSENT", "CRSNT"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"),
    "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"),
    "LN": ("LANE",),
    "LOOP": ("LOOPS",),
    "MALL": (),
    "PARK": ("PRK",),
    "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY"),
    "PIKE": ("PIKES",),
    "PL": ("PLACE",),
    "PLZ": ("PLAZA", "PLZA"),
    "RD": ("ROAD",),
    "ROW": (),
    "RUN": (),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"),
    "ST": ("STREET", "STR", "STRT", "STRE"),
    "TER": ("TERRACE", "TERR"),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "WALK": ("WALKS",),
    "WAY": ("WY",),
    "XING": ("CROSSING", "CRSSNG"),
}
SUFFIXES: dict[str, str] = {
    variant: abbr for abbr, variants in _SUFFIX_VARIANTS.items() for variant in (abbr, *variants)
}

_LONG_SUFFIXES = [v for v in SUFFIXES if len(v) >= 4]

# USPS Publication 28, appendix C2: secondary unit designators.
UNIT_TYPES: dict[str, str] = {
    "APARTMENT": "APT",
    "APT": "APT",
    "SUITE": "STE",
    "STE": "STE",
    "UNIT": "UNIT",
    "FLOOR": "FL",
    "FL": "FL",
    "ROOM": "RM",
    "RM": "RM",
    "BUILDING": "BLDG",
    "BLDG": "BLDG",
    "DEPARTMENT": "DEPT",
    "DEPT": "DEPT",
    "LOT": "LOT",
    "SPACE": "SPC",
    "SPC": "SPC",
    "#": "#",
}

_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
_HOUSE_RE = re.compile(r"^\d+[A-Z]?(-\d+)?$|^\d+ 1/2$")


def clean_token(token: str) -> str:
    """Upper-case a token and strip the punctuation people sprinkle around parts."""
    return re.sub(r"[.,;]+", "", token.upper()).strip()


@dataclass(frozen=True)
class StreetName:
    """A street name split the USPS way: ``E`` ``FAIRMOUNT`` ``AVE``."""

    core: str
    predir: str = ""
    suffix: str = ""
    postdir: str = ""

    @property
    def full(self) -> str:
        """Return the canonical street, e.g. ``E FAIRMOUNT AVE``."""
        return " ".join(p for p in (self.predir, self.core, self.suffix, self.postdir) if p)


def _suffix(token: str, fuzzy: bool) -> str:
    """Return the USPS suffix a token stands for, tolerating one slip when ``fuzzy``."""
    if token in SUFFIXES:
        return SUFFIXES[token]
    if fuzzy and len(token) >= 4:
        hit = process.extractOne(token, _LONG_SUFFIXES, scorer=fuzz.ratio, score_cutoff=80)
        if hit is not None:
            return SUFFIXES[hit[0]]
    return ""


def normalise_street(name: str, *, fuzzy_suffix: bool = False) -> StreetName:
    """Split and abbreviate a street name as OSM writes it (``East Fairmount Avenue``).

    A leading or trailing direction and a trailing suffix are peeled off only while a
    core name remains, so ``North Avenue`` keeps ``NORTH`` as its core. With
    ``fuzzy_suffix`` a mistyped suffix (``Streeet``) is still recognised; that is for
    what customers type, not for gazetteer names.
    """
    tokens = [clean_token(t) for t in name.replace("-", " - ").split()]
    tokens = [t for t in tokens if t and t != "-"]
    predir = suffix = postdir = ""
    if len(tokens) >= 2 and tokens[-1] in DIRECTIONS and len(tokens[-1]) <= 2:
        postdir = DIRECTIONS[tokens.pop()]
    if len(tokens) >= 2 and (found := _suffix(tokens[-1], fuzzy_suffix)):
        suffix = found
        tokens.pop()
    if len(tokens) >= 2 and tokens[0] in DIRECTIONS:
        predir = DIRECTIONS[tokens.pop(0)]
    return StreetName(core=" ".join(tokens), predir=predir, suffix=suffix, postdir=postdir)


@dataclass(frozen=True)
class ParsedAddress:
    """An address parsed into USPS-normalised parts, with what was wrong with it."""

    raw: str
    house_number: str = ""
    street: StreetName = field(default_factory=lambda: StreetName(core=""))
    unit_type: str = ""
    unit: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def normalised(self) -> str:
        """Return the one-line USPS form: ``2120 E FAIRMOUNT AVE APT 3, BALTIMORE, MD 21231``."""
        line = " ".join(p for p in (self.house_number, self.street.full) if p)
        if self.unit:
            line += f" {self.unit_type or '#'} {self.unit}"
        tail = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (line, self.city, tail) if p)

    def parts(self) -> dict[str, str]:
        """Return parts under the keys of ``lastmile.domain.address.Address.parts``."""
        items = {
            "house_number": self.house_number,
            "street": self.street.full,
            "unit": f"{self.unit_type} {self.unit}".strip() if self.unit else "",
            "city": self.city,
            "state": self.state,
            "zip": self.zip,
        }
        return {k: v for k, v in items.items() if v}


def _unit(parsed: dict[str, str]) -> tuple[str, str]:
    kind = clean_token(parsed.get("OccupancyType", "") or parsed.get("SubaddressType", ""))
    ident = clean_token(
        parsed.get("OccupancyIdentifier", "") or parsed.get("SubaddressIdentifier", "")
    )
    if ident.startswith("#"):
        kind, ident = kind or "#", ident.lstrip("# ")
    return UNIT_TYPES.get(kind, kind), ident


def parse_address(raw: str) -> ParsedAddress:
    """Parse a one-line US address; never raises.

    Parameters
    ----------
    raw
        What the customer typed.

    Returns
    -------
    ParsedAddress
        Normalised parts; ``problems`` lists why the string is not a usable street
        address (empty, too long, not Latin text, no house number, no street...).
    """
    text = raw if isinstance(raw, str) else ""
    stripped = " ".join(text.split())
    if not stripped:
        return ParsedAddress(raw=text, problems=("address is empty",))
    if len(stripped) > MAX_ADDRESS_LENGTH:
        return ParsedAddress(
            raw=text,
            problems=(f"address is {len(stripped)} characters long; at most {MAX_ADDRESS_LENGTH}",),
        )
    # Accents are folded (Peña -> Pena); scripts with no Latin form are refused.
    folded = unicodedata.normalize("NFKD", stripped).encode("ascii", "ignore").decode()
    folded = " ".join(folded.split())
    if len(folded) < len(stripped) / 2:
        return ParsedAddress(raw=text, problems=("address is not in Latin characters",))
    try:
        tagged, kind = usaddress.tag(folded)
    except usaddress.RepeatedLabelError:
        return ParsedAddress(raw=text, problems=("address has repeated parts and is ambiguous",))
    except Exception as exc:  # usaddress's CRF can fail on odd byte sequences
        return ParsedAddress(raw=text, problems=(f"address could not be parsed ({exc})",))
    parsed = {k: str(v) for k, v in tagged.items()}
    house = clean_token(parsed.get("AddressNumber", ""))
    street_text = " ".join(
        parsed[k]
        for k in (
            "StreetNamePreModifier",
            "StreetNamePreDirectional",
            "StreetNamePreType",
            "StreetName",
            "StreetNamePostType",
            "StreetNamePostDirectional",
        )
        if parsed.get(k)
    )
    street = (
        normalise_street(street_text, fuzzy_suffix=True) if street_text else StreetName(core="")
    )
    unit_type, unit = _unit(parsed)
    zip_code = clean_token(parsed.get("ZipCode", ""))
    problems: list[str] = []
    if kind not in {"Street Address"}:
        problems.append("not recognised as a street address")
    if not house:
        problems.append("no house number")
    elif not _HOUSE_RE.match(house):
        problems.append(f"house number {house!r} is not a number")
    if not street.core:
        problems.append("no street name")
    if zip_code and not _ZIP_RE.match(zip_code):
        problems.append(f"ZIP {zip_code!r} is not 5 digits (or ZIP+4)")
    return ParsedAddress(
        raw=text,
        house_number=house,
        street=street,
        unit_type=unit_type,
        unit=unit,
        city=clean_token(parsed.get("PlaceName", "")),
        state=clean_token(parsed.get("StateName", "")),
        zip=zip_code[:5],
        problems=tuple(problems),
    )


def with_street(parsed: ParsedAddress, street: StreetName) -> ParsedAddress:
    """Return ``parsed`` with its street replaced (a correction)."""
    return replace(parsed, street=street)


def house_number_value(house: str) -> int | None:
    """Return the integer part of a house number (``"2120A"`` -> 2120), if any."""
    match = re.match(r"\d+", house)
    return int(match.group()) if match else None
