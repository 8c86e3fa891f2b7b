"""One place that imports every table module, so Alembic sees the whole schema."""

import tsos.db.certificates  # noqa: F401
import tsos.db.gradebook  # noqa: F401
from tsos.db import enrollment, models  # noqa: F401
from tsos.db.base import Base

target_metadata = Base.metadata
