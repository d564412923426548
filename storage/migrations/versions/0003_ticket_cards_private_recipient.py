"""ticket_cards (a team card's platform message id), outbox.recipient (who alone sees a private reply),
and an index of the outbox by ticket

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('updated_at', storage.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_cards_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_cards')),
    sa.UniqueConstraint('ticket_id', 'channel', 'address', name=op.f('uq_ticket_cards_ticket_id'))
    )
    # A plain nullable column: SQLite adds it in place, no table copy.
    op.add_column('outbox', sa.Column('recipient', sa.String(length=200), nullable=True))
    op.create_index('ix_outbox_ticket', 'outbox', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_ticket', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('recipient')
    op.drop_table('ticket_cards')
