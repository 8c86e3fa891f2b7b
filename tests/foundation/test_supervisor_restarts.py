"""`tsos up` starts a dead part again, but not one that keeps dying."""

from __future__ import annotations

from tsos.supervisor import RESTARTS, Children


def test_a_dead_part_is_restarted_until_it_keeps_dying() -> None:
    children = Children()
    children.start("worker", ["--help"])
    children.processes[0][1].wait(30)
    assert children.first_dead() == "worker"

    for _ in range(RESTARTS):
        assert children.restart("worker")
        assert len(children.processes) == 1
        children.processes[0][1].wait(30)
    assert not children.restart("worker")


def test_a_part_it_did_not_start_is_not_restarted() -> None:
    assert not Children().restart("temporal")
