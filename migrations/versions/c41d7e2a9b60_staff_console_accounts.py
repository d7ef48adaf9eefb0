"""Staff console: account roles, kelurahan, lockout and sessions; audit before and after; processing days

Revision ID: c41d7e2a9b60
Revises: 3b7c2d9e5f10
Create Date: 2026-12-01 13:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41d7e2a9b60'
down_revision = '3b7c2d9e5f10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kelurahan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=False, server_default='id'))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_users_kelurahan_id_kelurahan'), 'kelurahan',
                                    ['kelurahan_id'], ['id'])
    users = sa.table('staff_users', sa.column('id', sa.Integer), sa.column('role', sa.String),
                     sa.column('session_token', sa.String))
    # The first console had clerks and admins; a clerk did what an operator does now.
    op.execute(users.update().where(users.c.role == 'clerk').values(role='operator'))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('after', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_days', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_created_at'))
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('processing_days')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor'))
        batch_op.drop_column('after')
        batch_op.drop_column('before')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_staff_users_kelurahan_id_kelurahan'), type_='foreignkey')
        batch_op.drop_column('session_token')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('language')
        batch_op.drop_column('kelurahan_id')
