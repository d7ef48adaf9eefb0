"""api keys: scopes, an optional kelurahan and a use count

Revision ID: d4e5f6a7b8c9
Revises: f1a2b3c4d5e6
Create Date: 2026-12-01 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    # Keys made before scopes keep scopes NULL, which office.apikeys reads as a full key.
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('kelurahan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('use_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_foreign_key(batch_op.f('fk_api_keys_kelurahan_id_kelurahan'), 'kelurahan',
                                    ['kelurahan_id'], ['id'])


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_keys_kelurahan_id_kelurahan'), type_='foreignkey')
        batch_op.drop_column('use_count')
        batch_op.drop_column('kelurahan_id')
        batch_op.drop_column('scopes')
