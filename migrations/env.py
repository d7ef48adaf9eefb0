"""Alembic environment: migrations run against the Flask app's own engine and metadata."""
from alembic import context
from flask import current_app

db = current_app.extensions["migrate"].db
config = context.config
config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
options = current_app.extensions["migrate"].configure_args


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata,
                      literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
