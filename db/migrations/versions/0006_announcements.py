"""Announcements to subscribers: subscriptions, announcements, and the outbox row's announcement
(unique per citizen, so one announcement is never queued twice to one person).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:53:52.972286
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('audio_key', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['officers.id'], ),
    sa.ForeignKeyConstraint(['sent_by'], ['officers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_locality_created', ['locality_id', 'created_at'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.String(length=64), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('citizen_id')
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_locality', ['locality_id'], unique=False)
        batch_op.create_index('ix_subscriptions_province', ['province_code'], unique=False)

    # SQLite rebuilds the outbox table here (batch mode); PostgreSQL alters it in place.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_outbox_announcement_citizen', ['announcement_id', 'citizen_id'])
        batch_op.create_foreign_key('fk_outbox_announcement_id_announcements', 'announcements', ['announcement_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_announcement_id_announcements', type_='foreignkey')
        batch_op.drop_constraint('uq_outbox_announcement_citizen', type_='unique')
        batch_op.drop_column('announcement_id')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_province')
        batch_op.drop_index('ix_subscriptions_locality')

    op.drop_table('subscriptions')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_locality_created')

    op.drop_table('announcements')
