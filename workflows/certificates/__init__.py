"""Workflows of the certificates, run on the main queue."""

from workflows.certificates.wizard import CertificateWizardWorkflow

CERTIFICATE_WORKFLOWS: list[type] = [CertificateWizardWorkflow]
