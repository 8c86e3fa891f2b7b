"""The assigned territory of a school: streets, lists of houses, and who lives there.

A house list is written by the region's education authority in the campaign file:

- `all` (все), `odd` (нечётные), `even` (чётные) — the whole street or one side of it;
- an inclusive range `1-60`, optionally of one side: `1-59 odd`, `2-40 (чётные)`;
- a house `8`, `8а`, `8к1`, `8 корп. 1`, `8/2`, `8 стр. 2`;
- a list of any of these separated by commas or semicolons: `1-15, 17а, 20-30`.

A bare number or a range matches every house of that number whatever its letter, building
or fraction (8 matches 8, 8а, 8к1, 8/2 — in «8/2» the house is 8 on this street and 2 on the
crossing one). An item written with a suffix (8а) matches only that house. Parity is that of
the house's number. A building is written without a comma: «8 корп. 1», never «8, корп. 1».

Streets are compared by name and kind: case, Ё/Е, spaces, dots, Latin look-alike letters
and the usual abbreviations of the kind (`ул.` = `улица`) do not matter. A street written
without its kind matches the street of that name of any kind. The settlement is not
compared: a municipality with two streets of one name in different settlements cannot be
described by this grammar.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from domain.enrollment.errors import TerritoryGrammarError
from domain.people.names import INVISIBLE_CHARACTERS, LATIN_LOOKALIKES, normalize_name

# Kinds of street as the ФИАС/ГАР short names and the full words write them. Each token is
# compared after dots are removed and case and Ё/Е are folded.
_STREET_KIND_TOKENS: Mapping[str, tuple[str, ...]] = {
    "улица": ("ул", "улица"),
    "проспект": ("пр-т", "пр-кт", "просп", "проспект"),
    "переулок": ("пер", "переулок"),
    "проезд": ("пр-д", "проезд"),
    "площадь": ("пл", "площадь"),
    "бульвар": ("б-р", "бул", "бульв", "бульвар"),
    "шоссе": ("ш", "шоссе"),
    "набережная": ("наб", "набережная"),
    "тупик": ("туп", "тупик"),
    "аллея": ("ал", "аллея"),
    "микрорайон": ("мкр", "мкрн", "мкр-н", "микрорайон"),
    "квартал": ("кв-л", "квартал"),
    "тракт": ("тракт",),
    "спуск": ("спуск",),
}
_KINDS_BY_TOKEN: dict[str, frozenset[str]] = {
    token: frozenset({kind})
    for kind, tokens in _STREET_KIND_TOKENS.items()
    for token in tokens
}
# «пр.» is written both for проспект and for проезд, so it names either of them.
_KINDS_BY_TOKEN["пр"] = frozenset({"проспект", "проезд"})

_ANY_KIND: frozenset[str] = frozenset()
_STREET_PUNCTUATION = re.compile(r"[.,;«»\"“”„]")
_ORDINAL_HYPHEN = re.compile(r"(\d)-(?=[а-я])")

# Words of a house address and the short form they take in the house's canonical suffix.
_BUILDING_WORDS = frozenset({"к", "кор", "корп", "корпус"})
_STRUCTURE_WORDS = frozenset({"стр", "строен", "строение"})
_LETTER_WORDS = frozenset({"лит", "литер", "литера"})
_HOUSE_PREFIX = re.compile(r"^(?:д|дом|вл|влд|владение|домовладение)\s*\.?\s*(?=\d)")
_HOUSE_NUMBER = re.compile(r"^(\d+)(.*)$")
_SUFFIX_TOKEN = re.compile(r"[a-zа-я]+|\d+|/")
# What a suffix of a house in the campaign file may look like: a letter, a fraction, a
# building, a structure, in this order, each optional (8а, 8/2, 8к1, 8ак2, 8стр1).
_CONFIG_SUFFIX = re.compile(r"^[а-я]?(?:/\d+[а-я]?)?(?:к\d+[а-я]?)?(?:стр\d+[а-я]?)?$")

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_ALL_WORDS = frozenset({"all", "все", "все дома"})
_ODD_WORDS = frozenset({"odd", "нечетные", "нечетная сторона"})
_EVEN_WORDS = frozenset({"even", "четные", "четная сторона"})
_PARITY = r"odd|even|нечетные|четные"
_RANGE = re.compile(
    rf"^(?:(?P<before>{_PARITY})\s+)?(?P<lo>\d+)\s*-\s*(?P<hi>\d+)"
    rf"(?:\s*\(?\s*(?P<after>{_PARITY})\s*\)?)?$"
)
_ITEM_SEPARATOR = re.compile(r"[,;]")


@dataclass(frozen=True)
class House:
    """A house of an address: its number and canonical suffix («», «а», «к1», «/2», «стр2»)."""

    number: int
    suffix: str = ""

    def __str__(self) -> str:
        return f"{self.number}{self.suffix}"


def parse_house(text: str) -> House | None:
    """Read the house of an address («д. 8а», «8 корп. 1», «8/2»); None if it has no number."""
    plain = _fold(text, cyrillic_letters=True)
    plain = _HOUSE_PREFIX.sub("", plain)
    match = _HOUSE_NUMBER.match(plain)
    if match is None:
        return None

    suffix = "".join(
        _suffix_part(token) for token in _SUFFIX_TOKEN.findall(match.group(2))
    )
    return House(int(match.group(1)), suffix)


def compose_house(
    house: str | None, building: str | None = None, structure: str | None = None
) -> str:
    """Join an address's house, building and structure parts into one house text."""
    parts = [house or ""]
    if building:
        parts.append(f"корп. {building}")
    if structure:
        parts.append(f"стр. {structure}")
    return " ".join(part for part in parts if part).strip()


@dataclass(frozen=True)
class _AllHouses:
    def matches(self, house: House | None) -> bool:
        return True


@dataclass(frozen=True)
class _Side:
    odd: bool
    low: int | None = None
    high: int | None = None

    def matches(self, house: House | None) -> bool:
        if house is None or house.number % 2 != int(self.odd):
            return False
        return (
            self.low is None
            or self.high is None
            or self.low <= house.number <= self.high
        )


@dataclass(frozen=True)
class _Numbers:
    low: int
    high: int

    def matches(self, house: House | None) -> bool:
        return house is not None and self.low <= house.number <= self.high


@dataclass(frozen=True)
class _Exact:
    house: House

    def matches(self, house: House | None) -> bool:
        return house == self.house


_Item = _AllHouses | _Side | _Numbers | _Exact
_ErrorFactory = Callable[[str, str], TerritoryGrammarError]


@dataclass(frozen=True)
class HouseSet:
    """A parsed house list of one street; `text` is the list as written."""

    text: str
    items: tuple[_Item, ...]

    def contains(self, house: House | None) -> bool:
        """Tell whether the house (None: no recognisable number) belongs to the list."""
        return any(item.matches(house) for item in self.items)


def parse_houses(
    text: str | int, *, school_code: str | None = None, street: str | None = None
) -> HouseSet:
    """Parse a house list; raises TerritoryGrammarError naming the school and the item."""
    written = str(text).strip()

    def error(item: str, problem: str) -> TerritoryGrammarError:
        return TerritoryGrammarError(
            school_code=school_code, street=street, item=item, problem=problem
        )

    if not written:
        raise error(
            written, "список домов пуст: укажите all, odd, even, номера или диапазоны"
        )
    items = tuple(
        _parse_item(raw.strip(), error) for raw in _ITEM_SEPARATOR.split(written)
    )
    return HouseSet(written, items)


def _parse_item(raw: str, error: _ErrorFactory) -> _Item:
    plain = _fold(raw, cyrillic_letters=False)
    if not plain:
        raise error(raw, "пустой элемент списка (лишняя запятая?)")
    if plain in _ALL_WORDS:
        return _AllHouses()
    if plain in _ODD_WORDS or plain in _EVEN_WORDS:
        return _Side(odd=plain in _ODD_WORDS)

    range_match = _RANGE.match(plain)
    if range_match is not None:
        return _parse_range(raw, range_match, error)
    if re.search(r"-\s*\d", plain):
        raise error(
            raw,
            "диапазон записывается номерами без литер и корпусов, с чётностью или без неё: "
            "1-60, 1-59 odd, 2-40 (чётные)",
        )

    house = parse_house(raw)
    if house is None:
        raise error(
            raw,
            "не распознан: ожидается all, odd, even, номер дома (8, 8а, 8к1) "
            "или диапазон номеров (1-60)",
        )
    if house.number == 0:
        raise error(raw, "номер дома должен быть больше нуля")
    if not house.suffix:
        return _Numbers(house.number, house.number)
    if not _CONFIG_SUFFIX.match(house.suffix):
        raise error(raw, f"непонятное обозначение дома после номера: «{house.suffix}»")
    return _Exact(house)


def _parse_range(raw: str, match: re.Match[str], error: _ErrorFactory) -> _Item:
    low, high = int(match.group("lo")), int(match.group("hi"))
    before, after = match.group("before"), match.group("after")
    if before and after:
        raise error(raw, "чётность указана дважды")
    if low == 0:
        raise error(raw, "номер дома должен быть больше нуля")
    if low > high:
        raise error(raw, f"начало диапазона ({low}) больше его конца ({high})")

    parity = before or after
    if parity is None:
        return _Numbers(low, high)
    return _Side(odd=parity in ("odd", "нечетные"), low=low, high=high)


@dataclass(frozen=True)
class StreetName:
    """A street as written, with every reading of it as (possible kinds, folded name)."""

    text: str
    readings: frozenset[tuple[frozenset[str], str]] = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> StreetName:
        return cls(text, _street_readings(text))

    def same_street(self, other: StreetName) -> bool:
        """Names equal, and kinds equal where both are written."""
        return any(
            name == other_name and (not kinds or not other_kinds or kinds & other_kinds)
            for kinds, name in self.readings
            for other_kinds, other_name in other.readings
        )


def _street_readings(text: str) -> frozenset[tuple[frozenset[str], str]]:
    folded = _STREET_PUNCTUATION.sub(" ", normalize_name(text))
    folded = _ORDINAL_HYPHEN.sub(r"\1", folded)
    tokens = folded.split()
    if not tokens:
        return frozenset()

    # The kind may stand before the name (ул. Садовая) or after it (Садовая ул.); the whole
    # text is also a reading of unknown kind («Набережная» alone is a name, not a kind).
    readings = {(_ANY_KIND, " ".join(tokens))}
    if len(tokens) > 1:
        for kind_token, rest in ((tokens[0], tokens[1:]), (tokens[-1], tokens[:-1])):
            kinds = _KINDS_BY_TOKEN.get(kind_token)
            if kinds is not None:
                readings.add((kinds, " ".join(rest)))
    return frozenset(readings)


@dataclass(frozen=True)
class StreetTerritory:
    """One line of a school's assigned territory: a street and its houses."""

    street: StreetName
    houses: HouseSet

    @classmethod
    def parse(
        cls, street: str, houses: str | int, *, school_code: str | None = None
    ) -> StreetTerritory:
        return cls(
            StreetName.parse(street),
            parse_houses(houses, school_code=school_code, street=street),
        )

    def describe(self) -> str:
        return f"{self.street.text}, дома: {self.houses.text}"


@dataclass(frozen=True)
class ResidenceCheck:
    """Whether an address lies on the assigned territory, and why, in Russian."""

    resident: bool
    reason: str
    matched: StreetTerritory | None = None


def is_resident(
    address_street: str | None,
    address_house: str | None,
    territories: Iterable[StreetTerritory],
) -> ResidenceCheck:
    """Tell whether the address (street and house) belongs to the assigned territory."""
    if not address_street or not address_street.strip():
        return ResidenceCheck(False, "в адресе не указана улица")
    street = StreetName.parse(address_street)
    house = parse_house(address_house or "")

    on_street = [line for line in territories if line.street.same_street(street)]
    if not on_street:
        return ResidenceCheck(
            False,
            f"улица «{address_street}» не входит в закреплённую за школой территорию",
        )

    for line in on_street:
        if line.houses.contains(house):
            return ResidenceCheck(
                True,
                f"адрес входит в закреплённую территорию ({line.describe()})",
                line,
            )
    listed = "; ".join(line.houses.text for line in on_street)
    if house is None:
        return ResidenceCheck(
            False,
            f"номер дома «{address_house or ''}» не распознан, а на улице "
            f"«{on_street[0].street.text}» к школе закреплены не все дома (дома: {listed})",
        )
    return ResidenceCheck(
        False,
        f"дом {house} не входит в закреплённую территорию на улице "
        f"«{on_street[0].street.text}» (дома: {listed})",
    )


def _fold(text: str, *, cyrillic_letters: bool) -> str:
    """Fold case, Ё/Е, dashes, spaces and invisible characters of a house text.

    With `cyrillic_letters`, Latin look-alike letters become Cyrillic: a house letter is
    always Cyrillic, and «8a» typed on a Latin keyboard is house 8а.
    """
    text = "".join(char for char in text if char not in INVISIBLE_CHARACTERS)
    text = unicodedata.normalize("NFKC", text)
    if cyrillic_letters:
        text = "".join(LATIN_LOOKALIKES.get(char, char) for char in text)
    for dash in _DASHES:
        text = text.replace(dash, "-")
    text = text.casefold().replace("ё", "е")
    return " ".join(text.split())


def _suffix_part(token: str) -> str:
    if token in _BUILDING_WORDS:
        return "к"
    if token in _STRUCTURE_WORDS:
        return "стр"
    if token in _LETTER_WORDS:
        return ""
    return token
