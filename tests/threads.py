"""Running the same work in several threads at once, each with its own database connection,
to test what two workers do when they meet."""

import threading

from django.db import connections


def together(work, count: int = 2) -> list:
    """``work()`` in ``count`` threads released at the same instant; their results, in the
    order they finish. An exception in a thread fails the test in the test's own thread."""
    start = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run():
        try:
            start.wait(timeout=30)
            results.append(work())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results
