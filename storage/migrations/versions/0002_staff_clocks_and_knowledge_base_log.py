"""staff, clocks and knowledge-base log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:23:17.377810
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('qq', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('password_hash', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_email')),
    sa.UniqueConstraint('qq', name=op.f('uq_staff_qq')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username'))
    )
    op.create_table('kb_queries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=100), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_kb_queries_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_queries'))
    )
    with op.batch_alter_table('kb_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_queries_at'), ['at'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_number', sa.String(length=20), nullable=True))

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_done_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_escalation_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('feedback_stage', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('plan_stage', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('confirmation_reminders', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('auto_close_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('tracking_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_incidents_tracking_token'), ['tracking_token'])




def downgrade() -> None:

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_incidents_tracking_token'), type_='unique')
        batch_op.drop_column('tracking_token')
        batch_op.drop_column('auto_close_at')
        batch_op.drop_column('confirmation_reminders')
        batch_op.drop_column('plan_stage')
        batch_op.drop_column('feedback_stage')
        batch_op.drop_column('next_escalation_at')
        batch_op.drop_column('analysis_done_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('incident_number')

    with op.batch_alter_table('kb_queries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_queries_at'))

    op.drop_table('kb_queries')
    op.drop_table('staff')

