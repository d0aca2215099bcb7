"""VLOK store: dated facts the rules derive flags from

A CA signed but not sent ("CA te versturen"), CA refusals, unit events (very large works,
demolition) as dated facts instead of lapse rows only, and the end of a person's role.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD_STATUS = ('CA in opmaak', 'CA ter ondertekening', 'CA verstuurd')
NEW_STATUS = ('CA in opmaak', 'CA ter ondertekening', 'CA te versturen', 'CA verstuurd')


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='ca_status', native_enum=False, create_constraint=True,
                   length=48)


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(OLD_STATUS),
                              type_=_status(NEW_STATUS), existing_nullable=False)
    op.create_table('certificate_refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('refusal_date', sa.Date(), nullable=False),
    sa.Column('issuer', sa.Enum('burgemeester', 'Wonen-Vlaanderen', 'gewestelijk ambtenaar', name='refusal_issuer', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_certificate_refusal_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_certificate_refusal_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_refusal'))
    )
    with op.batch_alter_table('certificate_refusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_refusal_unit_id'), ['unit_id'], unique=False)
    op.create_table('unit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('zeer ingrijpende werken', 'gesloopt', name='unit_event_kind', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_unit_event_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_event'))
    )
    with op.batch_alter_table('unit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_event_unit_id'), ['unit_id'], unique=False)
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', sa.Date(), nullable=True))
    # Works and demolitions recorded before this revision live only as lapse rows and VIVOO
    # removals; keep them as dated events so the rules can derive from them.
    op.execute(
        "INSERT INTO unit_event (id, unit_id, kind, event_date) "
        "SELECT ROW_NUMBER() OVER (ORDER BY unit_id, day, kind), unit_id, kind, day FROM ("
        " SELECT DISTINCT unit_id, lapse_reason AS kind, lapse_date AS day FROM certificate"
        " WHERE lapse_reason IN ('zeer ingrijpende werken', 'gesloopt')"
        " UNION SELECT DISTINCT unit_id, 'gesloopt', removal_date FROM inventory_entry"
        " WHERE removal_reason = 'Gesloopt') AS events")


def downgrade() -> None:
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_column('until')
    op.drop_table('unit_event')
    op.drop_table('certificate_refusal')
    op.execute("UPDATE certificate SET status = 'CA ter ondertekening' "
               "WHERE status = 'CA te versturen'")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(NEW_STATUS),
                              type_=_status(OLD_STATUS), existing_nullable=False)
