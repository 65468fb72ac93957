"""email channel: raw mail store, mail keys, thread participants

Revision ID: 0003e
Revises: 0002
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003e"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("incident_number", sa.String(length=20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
        sa.UniqueConstraint("sha256", name=op.f("uq_mails_sha256")),
    )
    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mails_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mails_state"), ["state"], unique=False)
    op.create_table(
        "mail_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=600), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mail_id"], ["mails.id"],
                                name=op.f("fk_mail_keys_mail_id_mails")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_mail_keys_key")),
    )
    with op.batch_alter_table("mail_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_keys_mail_id"), ["mail_id"], unique=False)
    op.create_table(
        "mail_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_mail_participants_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_participants")),
        sa.UniqueConstraint("incident_id", "address",
                            name="uq_mail_participants_incident_id"),
    )
    with op.batch_alter_table("mail_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_participants_incident_id"), ["incident_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_participants_incident_id"))
    op.drop_table("mail_participants")
    with op.batch_alter_table("mail_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_keys_mail_id"))
    op.drop_table("mail_keys")
    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mails_state"))
        batch_op.drop_index(batch_op.f("ix_mails_message_id"))
    op.drop_table("mails")
