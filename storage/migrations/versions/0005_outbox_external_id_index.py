"""index outbox.external_id (threading looks replies up by the id of the message we sent)

Revision ID: 0005
Revises: 0004k
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004k"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_external_id", ["external_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_external_id")
