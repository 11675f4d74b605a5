"""Storage: SQLAlchemy 2 tables, imperative mapping, repositories and the unit of work.

- ``tables``: the core tables on one ``metadata`` (read its docstring to add your own
  tables in a ``tables_<area>.py`` module with its own Alembic revision).
- ``types``: column types for domain values (UTC datetimes, Address as JSON...).
- ``mapping``: ``start_mappers()`` maps the domain classes onto the tables.
- ``repositories`` and ``uow``: ``SqlAlchemyUnitOfWork``, the implementation of
  ``lastmile.services.unit_of_work.UnitOfWork``.
- ``engine``: ``make_engine(url)`` (SQLite in WAL mode with ``BEGIN IMMEDIATE``; PostgreSQL)
  and ``read_only(engine)`` for transactions that only read (plain ``BEGIN`` on SQLite).
- ``sqlite_writer``: SQLite writers queue on a thread + file lock, not in the busy handler.
- ``migrate``: runs the Alembic revisions in ``migrations/versions`` (``lastmile db upgrade``).
- ``local_postgres``: starts a throw-away PostgreSQL server for tests and benchmarks.

Nothing here builds an engine or maps classes at import time; ``lastmile.bootstrap`` does.
"""
