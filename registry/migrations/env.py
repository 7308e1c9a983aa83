"""Alembic environment: PyRar runs migrations programmatically (registry.migrate)."""

from alembic import context

from registry.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
