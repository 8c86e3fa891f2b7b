"""The certificate API for school secretaries: the wizard, records and documents."""
