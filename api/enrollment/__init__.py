"""The staff side of first-grade enrollment: scoping, reading, workflow calls, dashboard."""
