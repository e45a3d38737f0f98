"""Alembic's environment for the centre: always run programmatically on a connection the
caller opened and holds in a transaction (kiosk/central_dev/storage.py), never from an
alembic.ini or a URL of its own."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
