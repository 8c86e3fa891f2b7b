"""Workflows of the gradebook, run on the main queue."""

from workflows.gradebook.term_grading import TermGradingWorkflow

GRADEBOOK_WORKFLOWS: list[type] = [TermGradingWorkflow]
