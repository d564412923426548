"""teams.last_assignee_id: create the foreign key where 0001 left it out

0001 declared it with use_alter=True inside create_table; CREATE TABLE then leaves such a constraint to a
later ALTER that never came, so PostgreSQL databases have no foreign key there. SQLite, which cannot add
one by ALTER, got it inline. Create it where it is missing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NAME = 'fk_teams_last_assignee_id_people'


def _has_foreign_key() -> bool:
    keys = sa.inspect(op.get_bind()).get_foreign_keys('teams')
    return any(key['constrained_columns'] == ['last_assignee_id'] for key in keys)


def upgrade() -> None:
    if not _has_foreign_key():
        with op.batch_alter_table('teams', schema=None) as batch_op:
            batch_op.create_foreign_key(NAME, 'people', ['last_assignee_id'], ['id'])


def downgrade() -> None:
    # The foreign key belongs to the schema 0001 meant; a downgrade keeps it.
    pass
