"""delivery_reports.outcome and opt_out: the telco's words read at the edge

Revision ID: 3b7c2d9e5f10
Revises: 95f6efd11a86
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b7c2d9e5f10'
down_revision = '95f6efd11a86'
branch_labels = None
depends_on = None

# Africa's Talking's words as the gateway read them when this migration was written, for reports that
# arrived before it and still wait for their message.
_OUTCOMES = {"sent": "sent", "submitted": "sent", "buffered": "sent", "success": "delivered",
             "failed": "failed", "rejected": "failed", "expired": "failed"}


def upgrade():
    with op.batch_alter_table('delivery_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('opt_out', sa.Boolean(), nullable=False, server_default=sa.false()))
    reports = sa.table('delivery_reports', sa.column('status', sa.String), sa.column('outcome', sa.String),
                       sa.column('failure_reason', sa.String), sa.column('opt_out', sa.Boolean))
    for word, outcome in _OUTCOMES.items():
        op.execute(reports.update().where(sa.func.lower(reports.c.status) == word).values(outcome=outcome))
    op.execute(reports.update().where(sa.func.lower(reports.c.failure_reason) == "userinblacklist")
               .values(opt_out=True))


def downgrade():
    with op.batch_alter_table('delivery_reports', schema=None) as batch_op:
        batch_op.drop_column('opt_out')
        batch_op.drop_column('outcome')
