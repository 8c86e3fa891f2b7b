"""The workflows a worker runs on each task queue."""

from __future__ import annotations

from workflows import task_queues
from workflows.certificates import CERTIFICATE_WORKFLOWS
from workflows.enrollment.application import FirstGradeApplicationWorkflow
from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow
from workflows.gradebook import GRADEBOOK_WORKFLOWS
from workflows.health import HealthCheckWorkflow

WORKFLOWS: dict[str, list[type]] = {
    task_queues.MAIN: [HealthCheckWorkflow, FirstGradeApplicationWorkflow,
                       FirstGradeSchoolCampaignWorkflow, *GRADEBOOK_WORKFLOWS,
                       *CERTIFICATE_WORKFLOWS],
    task_queues.SMEV: [],
}
