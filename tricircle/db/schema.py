"""Every table of the database in one metadata, for Alembic and the tests."""

from __future__ import annotations

import tricircle.db.models
import tricircle.images.models
import tricircle.jobs.models
import tricircle.quota.models
import tricircle.top.models  # noqa: F401 - imported for their tables
from tricircle.db.base import Base

metadata = Base.metadata
