"""knowledge-base learning: who asked each question; merges the email and web heads

Revision ID: 0004k
Revises: 0003e, 0003w
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004k"
down_revision = ("0003e", "0003w")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add kb_queries.contact_id (nullable) with an index for the outcome join."""
    with op.batch_alter_table("kb_queries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_kb_queries_contact_id_contacts"), "contacts",
                                    ["contact_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_kb_queries_contact_id"), ["contact_id"],
                              unique=False)


def downgrade() -> None:
    """Drop kb_queries.contact_id."""
    with op.batch_alter_table("kb_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_queries_contact_id"))
        batch_op.drop_constraint(op.f("fk_kb_queries_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_column("contact_id")
