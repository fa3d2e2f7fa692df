from celery import shared_task

from exams.delivery import attempts_sweep


@shared_task(name="exams.attempts_sweep", ignore_result=True)
def attempts_sweep_task() -> dict:
    """Every few seconds: submit attempts whose time ran out (browser closed or not), expire no-shows."""
    return attempts_sweep()


from exams.interchange.tasks import import_job_run  # noqa: E402, F401  (registers the bank import task)
