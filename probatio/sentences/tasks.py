"""Background task of the prison side (django-tasks API, database backend): the nightly
recomputation of the stored estimates. Schedule it (or ``manage.py recompute_sentence_dates``)
once a night; writes already recompute the committal they touch. The task acts as the system
actor of one service, given as ``actor`` (``SystemActor.as_task_argument``): without it, the
task refuses to run."""

from django_tasks import task


@task()
def recompute_sentence_dates(actor: dict | None = None) -> dict:
    from probatio.accounts.system import SystemActor
    from probatio.sentences import services

    return services.recompute_all(actor=SystemActor.from_task_argument(actor))
