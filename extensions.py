"""Flask extensions, created once and bound to the app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints let Alembic alter and drop them the same way on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# A database error's text ends up in logged tracebacks; hide_parameters keeps the values bound to the
# statement (phones, names) out of it.
db = SQLAlchemy(model_class=Base, engine_options={"hide_parameters": True})
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No default limits: each limited view says its own; counters live in Lekas's Redis (see create_app).
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "handle_error")
def _without_row_values(context) -> None:
    """Keep only PostgreSQL's one-line message in a driver error's text.

    PostgreSQL explains a refused write with the row's values ("Key (phone)=(+62...) already exists",
    "Failing row contains (..., <name>, <phone>, ...)"), which hide_parameters does not reach. The primary
    message still says what failed and on which constraint; every field stays on the error's `diag`.
    """
    error = context.original_exception
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    if not primary:
        return
    full = str(error)
    error.args = (primary,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        # SQLAlchemy has already copied the driver's text into its own message.
        wrapped.args = (wrapped.args[0].replace(full, primary),)
