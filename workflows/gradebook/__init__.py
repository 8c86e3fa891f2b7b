"""Workflows of the gradebook; the lead registers GRADEBOOK_WORKFLOWS on the main queue."""

from workflows.gradebook.term_grading import TermGradingWorkflow

GRADEBOOK_WORKFLOWS: list[type] = [TermGradingWorkflow]
