"""Background task of the prison side (django-tasks API, database backend): the nightly
recomputation of the stored estimates. Schedule it (or ``manage.py recompute_sentence_dates``)
once a night; writes already recompute the committal they touch."""

from django_tasks import task


@task()
def recompute_sentence_dates(service_id: int | None = None) -> dict:
    from probatio.sentences import services

    return services.recompute_all(service_id=service_id)
