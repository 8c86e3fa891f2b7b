"""Legal clauses cited by enrollment decisions, as they are written in decisions and logs.

The point numbers follow ../shared/domain/enrollment.md (§3): they come from secondary
sources and the document's own reading of Order 458 [S]/[M], not from the consolidated text
(its §8, question 6). When that text is checked, only this module changes.
"""

from __future__ import annotations

_ORDER = "Порядка приёма, приказ Минпросвещения № 458"
_LAW = "Федерального закона № 273-ФЗ «Об образовании в Российской Федерации»"

WAVE1 = f"п. 17 {_ORDER}"
EARLY_WAVE2 = f"п. 18 {_ORDER}"
WAVE2 = f"п. 17 {_ORDER}"
EXTRAORDINARY_RIGHT = f"п. 10 {_ORDER}"
FIRST_PRIORITY_RIGHT = f"п. 9 {_ORDER}"
SIBLING_RIGHT = f"п. 12 {_ORDER}; ч. 3.1 ст. 67 {_LAW}"
AGE = f"ч. 1 ст. 67 {_LAW}"
# The only refusal ground for a Russian citizen in a state or municipal school (§3.11);
# individual selection (чч. 5–6 ст. 67, ст. 88) is out of first-grade intake.
NO_PLACES = f"ч. 4 ст. 67 {_LAW}"
