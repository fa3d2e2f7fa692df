# One module per area of the exams app; each registers its own models.
from exams.admin import (
    bank,  # noqa: F401
    programs,  # noqa: F401
)
