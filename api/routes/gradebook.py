"""The gradebook's API: the application includes every router of ROUTERS."""

from fastapi import APIRouter

from api.routes import (
    gradebook_diary,
    gradebook_guardians,
    gradebook_journal,
    gradebook_periods,
    gradebook_reports,
    gradebook_setup,
)

ROUTERS: list[APIRouter] = [
    gradebook_journal.router,
    gradebook_periods.router,
    gradebook_diary.router,
    gradebook_guardians.router,
    gradebook_reports.router,
    gradebook_setup.router,
]
