"""How store tests look into a database: each helper opens an engine of its
own and disposes it afterwards."""

from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from skill.store import Base, make_engine


@contextmanager
def connection_to(url):
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def table_names(url):
    with connection_to(url) as connection:
        return set(inspect(connection).get_table_names())


def current_revision(url):
    with connection_to(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(url):
    with connection_to(url) as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)
