"""Imports from the page: upload and preview at once, then save in a worker with progress shown.

The worker re-reads the stored file rather than a saved plan: reading is deterministic, and the
bank may have changed since the preview (a reference taken meanwhile is caught again).
"""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from exams.interchange.detect import plan_from_file
from exams.interchange.plan import ImportPlan, ImportRefused, import_plan_apply
from exams.interchange.safety import MAX_UPLOAD_BYTES, UnsafeFile
from exams.models import ImportJob

S = ImportJob.Status


def import_job_for_user(*, user: User, pk: int) -> ImportJob:
    """The job if this user may see it: its creator, or any program administrator."""
    job = ImportJob.objects.select_related("created_by").get(pk=pk)
    if job.created_by_id != user.pk and not user.has_role(Role.PROGRAM_ADMIN):
        raise PermissionDenied
    return job


def _read_job_plan(job: ImportJob) -> ImportPlan:
    with job.file.open("rb") as handle:
        data = handle.read()
    return plan_from_file(data, filename=job.original_name, keep_status=job.keep_status)


def import_job_create(*, name: str, data: bytes, by: User) -> tuple[ImportJob, ImportPlan]:
    """Reads the upload into a preview. A refused file (DTD, unsafe zip) raises ValidationError
    and leaves nothing behind."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}})
    keep_status = by.has_role(Role.PROGRAM_ADMIN)
    try:
        plan = plan_from_file(data, filename=name, keep_status=keep_status)
    except UnsafeFile as error:
        raise ValidationError({"file": str(error)}) from error
    job = ImportJob(
        original_name=name[:255],
        format=plan.format,
        keep_status=keep_status,
        preview=plan.as_dict(),
        item_count=len(plan.items),
        unsupported_count=len(plan.unsupported),
        error_count=len(plan.with_errors) + len(plan.errors),
        warning_count=plan.warning_count(),
        progress_total=len(plan.to_import),
        created_by=by,
    )
    job.file.save(name.rsplit("/", 1)[-1][:100] or "import", ContentFile(data), save=False)
    job.save()
    return job, plan


@transaction.atomic
def import_job_confirm(*, job: ImportJob, skip_unsupported: bool, by: User) -> ImportJob:
    """Queues the save. Refuses, changing nothing, when the plan cannot be saved as it stands."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can confirm its import."))
    if job.status != S.PREVIEWED:
        raise ValidationError(_("This import was already confirmed."))
    plan = _read_job_plan(job)
    refusal = plan.refusal(skip_unsupported=skip_unsupported)
    if refusal:
        raise ValidationError(refusal)
    job.status = S.PENDING
    job.skip_unsupported = skip_unsupported
    job.progress_total = len(plan.to_import)
    job.progress_done = 0
    job.save(update_fields=["status", "skip_unsupported", "progress_total", "progress_done"])
    from exams.interchange.tasks import import_job_run

    transaction.on_commit(lambda: import_job_run.delay(job.pk))
    return job


def _progress_writer(job_id: int):
    """Progress must be visible while the import's own transaction is still open, so it is
    written on a second connection. SQLite allows one writer at a time, so there it waits for the end."""
    if connection.vendor != "postgresql":
        return (lambda done, total: None), (lambda: None)
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = ImportJob._meta.db_table
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - last[0] < 0.25:
            return
        last[0] = now
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608
                [done, total, job_id],
            )

    return write, side.close


def import_job_execute(*, job_id: int) -> ImportJob | None:
    """Runs a confirmed import. Claims the job first, so a redelivered task never runs it twice."""
    claimed = ImportJob.objects.filter(pk=job_id, status=S.PENDING).update(status=S.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    write, close = _progress_writer(job_id)
    try:
        plan = _read_job_plan(job)
        result = import_plan_apply(plan, author=job.created_by, skip_unsupported=job.skip_unsupported, progress=write)
    except (ImportRefused, UnsafeFile, ValidationError) as error:
        job.status, job.error_message = (
            S.FAILED,
            str(error) if not isinstance(error, ValidationError) else " ".join(error.messages),
        )
        job.progress_done = 0
    except Exception as error:  # the page must show an end state whatever went wrong
        job.status, job.error_message = S.FAILED, _("The import stopped unexpectedly: %(error)s") % {"error": error}
        job.progress_done = 0
    else:
        job.status = S.DONE
        job.imported_count = len(result.created)
        job.created_refs = result.created
        job.progress_done = job.progress_total = len(result.created)
    finally:
        close()
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status",
            "error_message",
            "imported_count",
            "created_refs",
            "progress_done",
            "progress_total",
            "finished_at",
        ]
    )
    return job
