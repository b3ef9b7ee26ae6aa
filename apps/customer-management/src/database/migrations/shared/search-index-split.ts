import { QueryRunner } from 'typeorm';

import { indexPathId } from '@app/tmf-query';

/**
 * The paths the split migration keeps in the value-indexed `customer_attr`, frozen here as the
 * migration ran (the live list, `CUSTOMER_VALUE_INDEXED`, may change with later migrations).
 */
const VALUE_INDEXED_AT_SPLIT = [
  'account.id',
  'agreement.id',
  'contactMedium.characteristic.emailAddress',
  'contactMedium.characteristic.faxNumber',
  'contactMedium.characteristic.phoneNumber',
  'contactMedium.characteristic.socialNetworkId',
  'paymentMethod.id',
  'relatedParty.id',
];

const COLUMNS = 'customer_id, path_id, pos, seq, v_type, v, v_full';
const KEPT = `path_id IN (${VALUE_INDEXED_AT_SPLIT.map(indexPathId).join(', ')})`;

/**
 * Creates `customer_attr_plain` and moves into it the rows of every path that is not value-indexed
 * (they keep the same values; only their table changes).
 */
export async function splitSearchIndex(
  queryRunner: QueryRunner,
  createTable: string,
): Promise<void> {
  await queryRunner.query(createTable);
  await queryRunner.query(
    `INSERT INTO customer_attr_plain (${COLUMNS}) SELECT ${COLUMNS} FROM customer_attr WHERE NOT ${KEPT} ORDER BY customer_id, path_id, pos, seq`,
  );
  await queryRunner.query(`DELETE FROM customer_attr WHERE NOT ${KEPT}`);
}

/** Moves every row back into `customer_attr` and drops `customer_attr_plain`. */
export async function unsplitSearchIndex(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(
    `INSERT INTO customer_attr (${COLUMNS}) SELECT ${COLUMNS} FROM customer_attr_plain`,
  );
  await queryRunner.query('DROP TABLE customer_attr_plain');
}
