from celery import shared_task

from exams.interchange.jobs import import_job_execute


@shared_task(name="exams.import_job_run", ignore_result=True)
def import_job_run(job_id: int) -> None:
    """Saves a confirmed import. No retries: the import is all or nothing and records its own failure."""
    import_job_execute(job_id=job_id)
