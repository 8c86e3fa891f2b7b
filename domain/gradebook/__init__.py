"""Gradebook rules: marks, grading policy, term and year marks, locks, attendance, audit."""
