"""The demo stream runs through the same pipeline as the enrollment tests: node, exchange."""

from tests.enrollment.conftest import exchange, smev_node  # noqa: F401
