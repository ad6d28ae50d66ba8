"""A pytest plugin that counts the collected test functions and those needing a database
(the ``django_db`` marker, or a fixture that reaches ``db``, ``transactional_db`` or the live
server). Used by ``scripts/structure-counts.sh``."""

DB = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_collection_modifyitems(session, config, items):
    with_db = sum(
        1
        for item in items
        if item.get_closest_marker("django_db") or DB & set(getattr(item, "fixturenames", ()))
    )
    total = len(items)
    print(
        f"\nDBSHARE total={total} with_db={with_db} without_db={total - with_db} "
        f"share_without={100 * (total - with_db) / total:.1f}%"
    )
