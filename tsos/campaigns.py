"""Loading a first-grade campaign file and starting its schools' campaign workflows."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.enrollment.campaign import CampaignConfig, load_campaign
from tsos.db.enrollment import AdmissionCampaign, CampaignSchool
from tsos.db.models import Organization, OrganizationKind
from tsos.settings import Settings
from workflows import task_queues
from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow
from workflows.enrollment.ids import campaign_workflow_id
from workflows.enrollment.messages import CampaignSchoolInput

log = logging.getLogger(__name__)


def upsert_campaign(session: Session, yaml_text: str, settings: Settings) -> AdmissionCampaign:
    """Create or update the campaign of (region, year) and its schools, from the file."""
    config = load_campaign(yaml_text, deployment_region_oktmo=settings.region_oktmo,
                           deployment_time_zone=settings.region_time_zone)
    c = config.campaign
    campaign = session.scalar(select(AdmissionCampaign).where(
        AdmissionCampaign.service == "first_grade",
        AdmissionCampaign.region_oktmo == config.region.oktmo,
        AdmissionCampaign.year == c.year))
    if campaign is None:
        campaign = AdmissionCampaign(service="first_grade", region_oktmo=config.region.oktmo,
                                     year=c.year)
        session.add(campaign)
    campaign.time_zone = config.region.time_zone
    campaign.wave1_start, campaign.wave1_end = c.wave1.start, c.wave1.end
    campaign.wave2_start, campaign.wave2_end = c.wave2.start, c.wave2.end
    campaign.config = config.model_dump(mode="json")
    session.flush()

    for school in config.schools:
        founder = config.founder_of(school)
        org = session.scalar(select(Organization).where(Organization.code == school.code))
        if org is None:
            org = Organization(code=school.code, kind=OrganizationKind.school,
                               oktmo=config.region.oktmo, name=school.name,
                               address=school.address)
            session.add(org)
        org.name, org.address = school.name, school.address
        org.founder_name, org.founder_address = founder.name, founder.address
        org.founder_phone = founder.phone
        session.flush()

        row = session.scalar(select(CampaignSchool).where(
            CampaignSchool.campaign_id == campaign.id,
            CampaignSchool.organization_id == org.id))
        if row is None:
            row = CampaignSchool(campaign_id=campaign.id, organization_id=org.id, places=0)
            session.add(row)
        row.places = school.first_grade_places
        if school.wave1_closed_at is not None:
            row.wave1_closed_at = school.wave1_closed_at
    session.flush()
    log.info("campaign loaded", extra={"campaign_id": campaign.id, "year": c.year,
                                       "schools": len(config.schools)})
    return campaign


def campaign_inputs(campaign_id: int, config: CampaignConfig,
                    organizations: dict[str, int]) -> list[CampaignSchoolInput]:
    def end_of(day) -> datetime:  # type: ignore[no-untyped-def]
        return datetime.combine(day + timedelta(days=1), time(0), config.time_zone)

    inputs = []
    for school in config.schools:
        closes_at = (config.local(school.wave1_closed_at) if school.wave1_closed_at
                     else config.default_wave1_closes_at)
        inputs.append(CampaignSchoolInput(
            campaign_id=campaign_id, organization_id=organizations[school.code],
            school_code=school.code, places=school.first_grade_places,
            wave1_close_at=closes_at, wave2_open_at=config.wave2_opens_at(school),
            wave2_close_at=end_of(config.campaign.wave2.end)))
    return inputs


async def start_campaign_workflows(client: Client, inputs: list[CampaignSchoolInput],
                                   task_queue: str = task_queues.MAIN) -> int:
    started = 0
    for inp in inputs:
        try:
            await client.start_workflow(
                FirstGradeSchoolCampaignWorkflow.run, inp,
                id=campaign_workflow_id(inp.campaign_id, inp.school_code),
                task_queue=task_queue)
            started += 1
        except WorkflowAlreadyStartedError:
            # Running already: the file's dates (perhaps changed) reach its timers.
            await _send_dates(client, inp)
    return started


async def _send_dates(client: Client, inp: CampaignSchoolInput) -> None:
    handle = client.get_workflow_handle(campaign_workflow_id(inp.campaign_id, inp.school_code))
    try:
        await handle.signal(FirstGradeSchoolCampaignWorkflow.campaign_dates, inp)
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        # The school's campaign workflow has finished: nothing of it is still to come.
        log.info("campaign workflow already finished",
                 extra={"campaign_id": inp.campaign_id, "school": inp.school_code})


def load_and_prepare(session: Session, yaml_text: str,
                     settings: Settings) -> list[CampaignSchoolInput]:
    campaign = upsert_campaign(session, yaml_text, settings)
    config = CampaignConfig.model_validate(campaign.config)
    codes = {s.code for s in config.schools}
    organizations = {o.code: o.id for o in session.scalars(
        select(Organization).where(Organization.code.in_(codes)))}
    return campaign_inputs(campaign.id, config, organizations)
