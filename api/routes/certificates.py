"""The certificates' API: the application includes every router of ROUTERS."""

from fastapi import APIRouter

from api.certificates import records, wizard
from api.certificates.common import FIELD_NAMES_RU
from api.errors import register_field_names

register_field_names(FIELD_NAMES_RU)

# The wizard's routes first: `/certificates/wizards/...` before `/certificates/{id}/...`.
ROUTERS: list[APIRouter] = [wizard.router, records.router]
