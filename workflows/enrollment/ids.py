"""Workflow ids derived from business keys, so a redelivered message finds its workflow."""


def application_workflow_id(order_id: int) -> str:
    return f"first-grade-{order_id}"


def campaign_workflow_id(campaign_id: int, school_code: str) -> str:
    return f"first-grade-campaign-{campaign_id}-{school_code}"
