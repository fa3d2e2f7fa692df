from exams.models.bank import Item, ItemAsset, ItemEvent, ItemOption, ItemVersion, Tag
from exams.models.delivery import Attempt, AttemptEvent, ExamSession, Response  # noqa: F401
from exams.models.interchange import ImportJob  # noqa: F401
from exams.models.programs import (  # noqa: F401
    Blueprint,
    BlueprintCompetency,
    BlueprintDomain,
    CertificationProgram,
    ExamForm,
    FixedForm,
    FixedFormItem,
    FormItem,
    ProgramEvent,
    ScoreAdjustment,
)
from exams.models.sessions import SessionEvent  # noqa: F401

__all__ = ["Item", "ItemAsset", "ItemEvent", "ItemOption", "ItemVersion", "Tag"]
