"""VLOK store: initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 04:00:10.981871
"""
from alembic import op
import sqlalchemy as sa
import publisher.store.geometry


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgis = op.get_bind().dialect.name == "postgresql"
    if postgis:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('municipality',
    sa.Column('niscode', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('boundary', publisher.store.geometry.Geometry('MULTIPOLYGON'), nullable=True),
    sa.PrimaryKeyConstraint('niscode', name=op.f('pk_municipality'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('national_number', sa.String(length=15), nullable=True),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('home_address', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    op.create_table('address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adres_id', sa.String(length=40), nullable=False),
    sa.Column('straatnaam', sa.String(length=120), nullable=False),
    sa.Column('huisnummer', sa.String(length=12), nullable=False),
    sa.Column('busnummer', sa.String(length=12), nullable=True),
    sa.Column('postcode', sa.String(length=4), nullable=False),
    sa.Column('niscode', sa.String(length=5), nullable=False),
    sa.Column('position', publisher.store.geometry.Geometry('POINT'), nullable=True),
    sa.ForeignKeyConstraint(['niscode'], ['municipality.niscode'], name=op.f('fk_address_niscode_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address')),
    sa.UniqueConstraint('adres_id', name=op.f('uq_address_adres_id'))
    )
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_niscode'), ['niscode'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_postcode'), ['postcode'], unique=False)

    op.create_table('building',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('niscode', sa.String(length=5), nullable=False),
    sa.Column('construction_year', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['niscode'], ['municipality.niscode'], name=op.f('fk_building_niscode_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building')),
    sa.UniqueConstraint('reference', name=op.f('uq_building_reference'))
    )
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_niscode'), ['niscode'], unique=False)

    op.create_table('municipality_postcode',
    sa.Column('niscode', sa.String(length=5), nullable=False),
    sa.Column('postcode', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['niscode'], ['municipality.niscode'], name=op.f('fk_municipality_postcode_niscode_municipality')),
    sa.PrimaryKeyConstraint('niscode', 'postcode', name=op.f('pk_municipality_postcode'))
    )
    op.create_table('parcel',
    sa.Column('capakey', sa.String(length=24), nullable=False),
    sa.Column('niscode', sa.String(length=5), nullable=True),
    sa.ForeignKeyConstraint(['niscode'], ['municipality.niscode'], name=op.f('fk_parcel_niscode_municipality')),
    sa.PrimaryKeyConstraint('capakey', name=op.f('pk_parcel'))
    )
    op.create_table('policy_parameter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('niscode', sa.String(length=5), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('ca_compulsory', sa.Boolean(), nullable=False),
    sa.Column('ca_compulsory_scope', sa.String(length=120), nullable=True),
    sa.Column('ca_compulsory_built_before', sa.Integer(), nullable=True),
    sa.Column('minister_approval_date', sa.Date(), nullable=True),
    sa.Column('ca_validity_years', sa.Integer(), nullable=True),
    sa.Column('fee_per_dwelling', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('fee_per_room', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('fee_room_from', sa.Integer(), nullable=True),
    sa.Column('fee_cap', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('hearing_term_days', sa.Integer(), nullable=True),
    sa.Column('signing_flow', sa.Enum('manueel', 'digitaal', name='signing_flow', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('runs_procedures', sa.Boolean(), nullable=False),
    sa.Column('levy_unfit', sa.Boolean(), nullable=False),
    sa.Column('levy_vacancy', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['niscode'], ['municipality.niscode'], name=op.f('fk_policy_parameter_niscode_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_parameter')),
    sa.UniqueConstraint('niscode', 'valid_from', name=op.f('uq_policy_parameter_niscode'))
    )
    with op.batch_alter_table('policy_parameter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_parameter_niscode'), ['niscode'], unique=False)

    op.create_table('building_address',
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=False),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['address_id'], ['address.id'], name=op.f('fk_building_address_address_id_address')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_building_address_building_id_building')),
    sa.PrimaryKeyConstraint('building_id', 'address_id', name=op.f('pk_building_address'))
    )
    op.create_table('building_parcel',
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('capakey', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_building_parcel_building_id_building')),
    sa.ForeignKeyConstraint(['capakey'], ['parcel.capakey'], name=op.f('fk_building_parcel_capakey_parcel')),
    sa.PrimaryKeyConstraint('building_id', 'capakey', name=op.f('pk_building_parcel'))
    )
    with op.batch_alter_table('building_parcel', schema=None) as batch_op:
        batch_op.create_index('ix_building_parcel_capakey', ['capakey'], unique=False)

    op.create_table('dwelling_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=False),
    sa.Column('unit_type', sa.Enum('zelfstandige woning', 'kamer', 'studentenkamer', 'kamer seizoenarbeider', name='unit_type', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('odk_established', sa.Date(), nullable=True),
    sa.Column('odk_ended', sa.Date(), nullable=True),
    sa.Column('odk_end_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['address_id'], ['address.id'], name=op.f('fk_dwelling_unit_address_id_address')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_dwelling_unit_building_id_building')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dwelling_unit')),
    sa.UniqueConstraint('reference', name=op.f('uq_dwelling_unit_reference'))
    )
    with op.batch_alter_table('dwelling_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dwelling_unit_address_id'), ['address_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dwelling_unit_building_id'), ['building_id'], unique=False)

    op.create_table('procedure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('OO', 'CA', 'WS', 'NGW', 'WI', name='procedure_kind', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('status', sa.Enum('Gestart', 'Hersteltermijn toegekend', 'Herstel gemeld', 'CA te maken', 'Hersteld', 'CA verstuurd', 'Beslissing geldig', 'Afgesloten', name='procedure_status', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('request_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('info', sa.String(length=120), nullable=True),
    sa.Column('first_investigation_date', sa.Date(), nullable=True),
    sa.Column('repair_deadline', sa.Date(), nullable=True),
    sa.Column('repair_reported_date', sa.Date(), nullable=True),
    sa.Column('recheck_date', sa.Date(), nullable=True),
    sa.Column('recheck_conform', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_procedure_building_id_building')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure'))
    )
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_building_id'), ['building_id'], unique=False)

    op.create_table('restoration_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('filed_date', sa.Date(), nullable=False),
    sa.Column('repair_confirmed_date', sa.Date(), nullable=True),
    sa.Column('pv_number', sa.String(length=40), nullable=True),
    sa.Column('court', sa.String(length=120), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_restoration_claim_building_id_building')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restoration_claim'))
    )
    with op.batch_alter_table('restoration_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restoration_claim_building_id'), ['building_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('ca_date', sa.Date(), nullable=False),
    sa.Column('issuer', sa.Enum('burgemeester', 'Wonen-Vlaanderen', 'gewestelijk ambtenaar', name='ca_issuer', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('status', sa.Enum('CA in opmaak', 'CA ter ondertekening', 'CA verstuurd', name='ca_status', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('sent_date', sa.Date(), nullable=True),
    sa.Column('validity_years', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('lapse_date', sa.Date(), nullable=True),
    sa.Column('lapse_reason', sa.Enum('ongeschikt verklaard', 'onbewoonbaar verklaard', 'overbewoond verklaard', 'onbewoonbaar verklaard (NGW art. 135)', 'onvergunde domiciliekamer', 'zeer ingrijpende werken', 'gesloopt', 'ingetrokken', name='lapse_reason', native_enum=False, create_constraint=True, length=48), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_certificate_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_certificate_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_unit_id'), ['unit_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('ongeschikt', 'onbewoonbaar', 'overbewoond', 'onbewoonbaar NGW', name='decision_kind', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('issuer', sa.Enum('burgemeester', 'Wonen-Vlaanderen', 'gewestelijk ambtenaar', name='decision_issuer', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('annulled_date', sa.Date(), nullable=True),
    sa.Column('motivation', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_decision_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_decision_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_unit_id'), ['unit_id'], unique=False)

    op.create_table('investigation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('investigation_date', sa.Date(), nullable=False),
    sa.Column('result', sa.Enum('conform', 'niet conform', 'ongeschikt', 'onbewoonbaar', 'overbewoond', name='investigation_result', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('defect_points', sa.Integer(), nullable=False),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_investigation_building_id_building')),
    sa.ForeignKeyConstraint(['inspector_id'], ['person.id'], name=op.f('fk_investigation_inspector_id_person')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_investigation_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_investigation_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigation'))
    )
    with op.batch_alter_table('investigation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investigation_building_id'), ['building_id'], unique=False)

    op.create_table('remark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], name=op.f('fk_remark_author_id_person')),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_remark_building_id_building')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_remark_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_remark_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remark'))
    )
    with op.batch_alter_table('remark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remark_building_id'), ['building_id'], unique=False)

    op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('houder zakelijk recht', 'bewoner', 'aanvrager', 'verzoeker', 'woningcontroleur', 'wooninspecteur', 'dossierbeheerder', name='role_kind', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('procedure_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_role_building_id_building')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_role_person_id_person')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_role_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_role_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role'))
    )
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_person_id'), ['person_id'], unique=False)

    op.create_table('sub_procedure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('Gestart', 'Hersteltermijn toegekend', 'Herstel gemeld', 'CA te maken', 'Hersteld', 'CA verstuurd', 'Beslissing geldig', 'Afgesloten', name='sub_status', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_sub_procedure_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_sub_procedure_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sub_procedure'))
    )
    with op.batch_alter_table('sub_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sub_procedure_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sub_procedure_unit_id'), ['unit_id'], unique=False)

    op.create_table('inventory_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('inventory_list', sa.Enum('VIVOO-OO', 'VIVOO-NGW', name='inventory_list', native_enum=False, create_constraint=True, length=48), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('removal_date', sa.Date(), nullable=True),
    sa.Column('removal_reason', sa.Enum('Conformiteitsattest', 'Gesloopt', 'Besluit vernietigd', 'Overname oude gegevens', 'Besluit opgeheven', name='removal_reason', native_enum=False, create_constraint=True, length=48), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_inventory_entry_decision_id_decision')),
    sa.ForeignKeyConstraint(['unit_id'], ['dwelling_unit.id'], name=op.f('fk_inventory_entry_unit_id_dwelling_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_entry'))
    )
    with op.batch_alter_table('inventory_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_entry_unit_id'), ['unit_id'], unique=False)

    if postgis:
        # Spatial indexes: the extraction and the address search filter on position.
        op.execute("CREATE INDEX ix_address_position ON address USING GIST (position)")
        op.execute("CREATE INDEX ix_municipality_boundary ON municipality USING GIST (boundary)")


def downgrade() -> None:
    with op.batch_alter_table('inventory_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_entry_unit_id'))

    op.drop_table('inventory_entry')
    with op.batch_alter_table('sub_procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sub_procedure_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sub_procedure_procedure_id'))

    op.drop_table('sub_procedure')
    with op.batch_alter_table('role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_person_id'))
        batch_op.drop_index(batch_op.f('ix_role_building_id'))

    op.drop_table('role')
    with op.batch_alter_table('remark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remark_building_id'))

    op.drop_table('remark')
    with op.batch_alter_table('investigation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_investigation_building_id'))

    op.drop_table('investigation')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_unit_id'))

    op.drop_table('decision')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_unit_id'))

    op.drop_table('certificate')
    with op.batch_alter_table('restoration_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restoration_claim_building_id'))

    op.drop_table('restoration_claim')
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_building_id'))

    op.drop_table('procedure')
    with op.batch_alter_table('dwelling_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dwelling_unit_building_id'))
        batch_op.drop_index(batch_op.f('ix_dwelling_unit_address_id'))

    op.drop_table('dwelling_unit')
    with op.batch_alter_table('building_parcel', schema=None) as batch_op:
        batch_op.drop_index('ix_building_parcel_capakey')

    op.drop_table('building_parcel')
    op.drop_table('building_address')
    with op.batch_alter_table('policy_parameter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_parameter_niscode'))

    op.drop_table('policy_parameter')
    op.drop_table('parcel')
    op.drop_table('municipality_postcode')
    with op.batch_alter_table('building', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_niscode'))

    op.drop_table('building')
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_postcode'))
        batch_op.drop_index(batch_op.f('ix_address_niscode'))

    op.drop_table('address')
    op.drop_table('person')
    op.drop_table('municipality')
