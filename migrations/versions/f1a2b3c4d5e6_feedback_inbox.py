"""feedback inbox: states with their clock, assignment, confidentiality, events and reply templates

Revision ID: f1a2b3c4d5e6
Revises: f7e8d9c0b1a2
Create Date: 2026-12-01 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'f7e8d9c0b1a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=12), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('state_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kelurahan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('referred_to', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_feedback_kelurahan_id'), ['kelurahan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_feedback_assignee_id_staff_users'), 'staff_users',
                                    ['assignee_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_feedback_kelurahan_id_kelurahan'), 'kelurahan',
                                    ['kelurahan_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_feedback_duplicate_of_id_feedback'), 'feedback',
                                    ['duplicate_of_id'], ['id'])
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('confidential', server_default=None)
    # Tickets filed before the inbox were "open": they are new ones, their clock starting at arrival.
    op.execute("UPDATE feedback SET status = 'baru', state_changed_at = created_at WHERE status = 'open'")
    op.create_table('feedback_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_feedback_events_feedback_id_feedback')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_feedback_events_message_id_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_events'))
    )
    with op.batch_alter_table('feedback_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_events_feedback_id'), ['feedback_id'], unique=False)
    op.create_table('reply_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_templates'))
    )
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_templates_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('reply_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_templates_state'))
    op.drop_table('reply_templates')
    with op.batch_alter_table('feedback_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_events_feedback_id'))
    op.drop_table('feedback_events')
    op.execute("UPDATE feedback SET status = 'open' WHERE status NOT IN ('selesai', 'bukan_wewenang', 'duplikat')")
    op.execute("UPDATE feedback SET status = 'closed' WHERE status <> 'open'")
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_duplicate_of_id_feedback'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_feedback_kelurahan_id_kelurahan'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_feedback_assignee_id_staff_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_feedback_kelurahan_id'))
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('referred_to')
        batch_op.drop_column('confidential')
        batch_op.drop_column('kelurahan_id')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('state_changed_at')
        batch_op.alter_column('status', existing_type=sa.String(length=16), type_=sa.String(length=12),
                              existing_nullable=False)
