"""СНИЛС: normalisation to «ххх-ххх-ххх хх» and the control-number check."""

from dataclasses import dataclass

# Control numbers are defined only for insurance numbers above 001-001-998 (Pension Fund
# rules); lower numbers were issued without one, so their check digits cannot be verified.
_FIRST_CHECKED_NUMBER = 1_001_998


@dataclass(frozen=True)
class SnilsCheck:
    """The formatted number, or the reason it was rejected (in Russian)."""

    formatted: str | None
    problem: str | None


def control_number(nine_digits: str) -> str:
    """The two check digits: weights 9..1, sum < 100 as is, 100/101 → 00, else mod 101."""
    total = sum(
        int(digit) * weight
        for digit, weight in zip(nine_digits, range(9, 0, -1), strict=True)
    )
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return f"{total:02d}"


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def check_snils(raw: str) -> SnilsCheck:
    """Accept digits with optional «-» and space separators; verify the control number."""
    stripped = raw.strip()
    if any(not (ch.isdigit() or ch in "- ") for ch in stripped):
        return SnilsCheck(None, "допустимы только цифры, дефисы и пробел")

    digits = "".join(ch for ch in stripped if ch.isdigit())
    if len(digits) != 11 or not digits.isascii():
        return SnilsCheck(None, "должен состоять из 11 цифр (ххх-ххх-ххх хх)")

    number = int(digits[:9])
    if number == 0:
        return SnilsCheck(None, "номер из одних нулей недействителен")
    if number > _FIRST_CHECKED_NUMBER and control_number(digits[:9]) != digits[9:]:
        return SnilsCheck(None, "неверное контрольное число")
    return SnilsCheck(format_snils(digits), None)
