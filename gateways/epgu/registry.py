"""The contracts this system reads and writes, keyed by namespace."""

from __future__ import annotations

from gateways.epgu.contracts import ContractRegistry, PayloadContract
from gateways.epgu.first_grade import v1_0_0 as first_grade_1_0_0

FIRST_GRADE_1_0_0: PayloadContract = first_grade_1_0_0.CONTRACT

# The kindergarten and college forms, and the operator's first-grade schema when it
# arrives, are registered here as further entries.
REGISTRY = ContractRegistry([FIRST_GRADE_1_0_0])
