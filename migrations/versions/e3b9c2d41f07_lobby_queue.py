"""lobby queue: groups, counters, and tickets with a timestamp for each step

The first schema's queue_tickets table was never written to, so it is replaced rather than altered.

Revision ID: e3b9c2d41f07
Revises: d7a3f0c5b821
Create Date: 2026-12-01 15:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b9c2d41f07'
down_revision = 'd7a3f0c5b821'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_tickets_day'))
    op.drop_table('queue_tickets')
    op.create_table('queue_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter', sa.String(length=1), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('picture', sa.String(length=40), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('default_minutes', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_groups')),
    sa.UniqueConstraint('letter', name=op.f('uq_queue_groups_letter'))
    )
    op.create_table('queue_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_queue_counters_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_counters')),
    sa.UniqueConstraint('code', name=op.f('uq_queue_counters_code'))
    )
    op.create_table('queue_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('estimate_minutes', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('transferred_from_id', sa.Integer(), nullable=True),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('notified', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['queue_counters.id'], name=op.f('fk_queue_tickets_counter_id_queue_counters')),
    sa.ForeignKeyConstraint(['group_id'], ['queue_groups.id'], name=op.f('fk_queue_tickets_group_id_queue_groups')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_queue_tickets_staff_id_staff_users')),
    sa.ForeignKeyConstraint(['transferred_from_id'], ['queue_tickets.id'], name=op.f('fk_queue_tickets_transferred_from_id_queue_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_tickets'))
    )
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_queue_tickets_day_status', ['day', 'status'], unique=False)
        batch_op.create_index('uq_queue_tickets_day_group_seq', ['day', 'group_id', 'seq'], unique=True, sqlite_where=sa.text('transferred_from_id IS NULL'), postgresql_where=sa.text('transferred_from_id IS NULL'))


def downgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_index('uq_queue_tickets_day_group_seq', sqlite_where=sa.text('transferred_from_id IS NULL'), postgresql_where=sa.text('transferred_from_id IS NULL'))
        batch_op.drop_index('ix_queue_tickets_day_status')
    op.drop_table('queue_tickets')
    op.drop_table('queue_counters')
    op.drop_table('queue_groups')
    op.create_table('queue_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('counter', sa.String(length=20), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('called_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_queue_tickets_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_tickets')),
    sa.UniqueConstraint('day', 'number', name='uq_queue_tickets_day_number')
    )
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_tickets_day'), ['day'], unique=False)
