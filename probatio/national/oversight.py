"""The anomaly view's thresholds in the national generator (docs/audit.md, « Anomalies »): one
service in ten sets its own (a working day from 8:00 to 18:30, stricter bursts, a threshold
of reads between 10 and 30), the others keep the defaults and have no row, as in a real
deployment. The journal's reads themselves are the generator's (``generator._history``)."""

from datetime import time

from probatio.oversight.models import OversightSettings

MODELS = [OversightSettings]
EVERY = 10  # services 10, 20, 30… set their own thresholds


def thresholds(generator, *, service_id: int, number: int) -> None:
    if number % EVERY:
        return
    generator.w[OversightSettings].add(
        service_id=service_id,
        unusual_reads_per_day=10 + number % 21,
        day_starts=time(8, 0),
        day_ends=time(18, 30),
        denial_burst_count=5,
        denial_burst_minutes=5,
    )
