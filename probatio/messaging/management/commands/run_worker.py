"""The background worker of Probatio: django-tasks-db's ``db_worker``, plus the messages' sweep
every minute in a thread of the same process (``messaging.sweep``), so that whatever runs the
workers also runs the sweep. Several workers may run: the sweep's lease lets one sweep at once.
The same thread runs the periodic jobs other apps register in ``core.periodic`` (transfers'
reminders and automatic acceptance), each at most once per its period across workers.

    manage.py run_worker            # runs until stopped (SIGTERM, Ctrl-C)
    manage.py run_worker --batch    # one sweep, then every task due, then exits
"""

import logging
import os
import threading

from django.db import close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from probatio.core import leases, periodic
from probatio.messaging import sweep

log = logging.getLogger(__name__)


def sweep_forever(stop: threading.Event, holder: str) -> None:
    """The sweep every ``sweep.EVERY`` until ``stop`` is set; an error is logged, never fatal."""
    while not stop.is_set():
        close_old_connections()
        try:
            sweep.sweep(holder=holder)
        except Exception:  # the database may be away for a while: try again next minute
            log.exception("Balayage des messages")
        try:
            periodic.run_due(holder=holder)
        except Exception:
            log.exception("Traitements périodiques")
        finally:
            connections.close_all()
        stop.wait(sweep.EVERY.total_seconds())


class Command(DbWorkerCommand):
    help = (
        "Traitement de fond : exécute les tâches (envoi des rappels…) et, chaque minute, remet "
        "en file les messages dus restés sans tâche (balayage)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-sweep",
            action="store_true",
            help="ne lancer ni le balayage des messages ni les traitements périodiques",
        )

    def handle(self, *args, no_sweep=False, **options):
        holder = leases.holder_name()
        if not no_sweep:
            if options.get("batch"):
                sweep.sweep(holder=holder)
                periodic.run_due(holder=holder)
            elif not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                stop = threading.Event()
                threading.Thread(
                    target=sweep_forever, args=(stop, holder), name="sweep", daemon=True
                ).start()
        return super().handle(*args, **options)
