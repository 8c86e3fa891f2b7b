"""The certificates' API: the application includes every router of ROUTERS.

Their field names are given by their own route class (api/certificates/common.py), not by
the application-wide map: «kind» there is a kind of blank, elsewhere a kind of work.
"""

from fastapi import APIRouter

from api.certificates import records, wizard

# The wizard's routes first: `/certificates/wizards/...` before `/certificates/{id}/...`.
ROUTERS: list[APIRouter] = [wizard.router, records.router]
