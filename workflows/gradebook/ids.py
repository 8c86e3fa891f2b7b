"""Workflow and schedule ids from business keys: one grading run per school and period."""

from __future__ import annotations


def grading_workflow_id(organization_code: str, school_year_id: int,
                        term_id: int | None) -> str:
    if term_id is None:
        return f"gradebook-year-grading-{organization_code}-{school_year_id}"
    return f"gradebook-term-grading-{organization_code}-{term_id}"


def grading_schedule_id(organization_code: str, school_year_id: int,
                        term_id: int | None) -> str:
    return "schedule-" + grading_workflow_id(organization_code, school_year_id, term_id)
