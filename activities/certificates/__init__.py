"""Activities of the certificates, run on the main queue.

The modules beside them are the certificate services the activities and the API share:
they write through `tsos.db.certificates` and lock marks through the gradebook's tables.
"""

from collections.abc import Callable
from typing import Any

from activities.certificates.wizard import apply_step, render_pdfs

CERTIFICATE_ACTIVITIES: list[Callable[..., Any]] = [apply_step, render_pdfs]
