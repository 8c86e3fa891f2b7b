"""Workflows of the certificates; the lead registers CERTIFICATE_WORKFLOWS on the main queue."""

from workflows.certificates.wizard import CertificateWizardWorkflow

CERTIFICATE_WORKFLOWS: list[type] = [CertificateWizardWorkflow]
