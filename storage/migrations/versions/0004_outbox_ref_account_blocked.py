"""outbox.ref (the platform's id of a sent message, indexed with its chat) and channel_accounts.blocked_at
(the person blocked the bot on that platform)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain nullable columns: SQLite adds them in place, no table copy.
    op.add_column('outbox', sa.Column('ref', sa.String(length=200), nullable=True))
    op.create_index('ix_outbox_ref', 'outbox', ['channel', 'address', 'ref'], unique=False)
    op.add_column(
        'channel_accounts',
        sa.Column('blocked_at', storage.types.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table('channel_accounts', schema=None) as batch_op:
        batch_op.drop_column('blocked_at')
    op.drop_index('ix_outbox_ref', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('ref')
