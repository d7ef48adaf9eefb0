"""service versions: every console edit of a service, and the version number an edit is based on

Revision ID: f7e8d9c0b1a2
Revises: e3b9c2d41f07
Create Date: 2026-12-01 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7e8d9c0b1a2'
down_revision = 'e3b9c2d41f07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    op.create_table('service_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_versions_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_versions')),
    sa.UniqueConstraint('service_id', 'number', name=op.f('uq_service_versions_service_id'))
    )
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_versions_service_id'), ['service_id'], unique=False)


def downgrade():
    with op.batch_alter_table('service_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_versions_service_id'))
    op.drop_table('service_versions')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('version')
