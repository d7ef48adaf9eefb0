"""applications.missing_requirements: what the clerk ticked as still missing at the counter

Revision ID: d7a3f0c5b821
Revises: c41d7e2a9b60
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3f0c5b821'
down_revision = 'c41d7e2a9b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_requirements', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('missing_requirements')
