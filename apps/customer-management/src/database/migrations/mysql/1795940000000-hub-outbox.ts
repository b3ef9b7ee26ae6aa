import { MigrationInterface, QueryRunner } from 'typeorm';

import { binaryCollation } from './collation';

/**
 * Fan-out after commit (ADR 0010): one `hub_outbox` row per change, a subscription's position in
 * the outbox sequence (`after_outbox_id`: it receives the changes written after it), and `hub_gate`:
 * writers read its `subscriptions` row with a shared lock until commit, subscription changes update
 * it, so a subscription and the writes around it are ordered by commit; its `fanout` row makes the
 * fan-out one replica at a time and keeps the highest outbox id fanned out or relayed, its `relay` row (a lease) the NATS relay.
 */
export class HubOutbox1795940000000 implements MigrationInterface {
  name = 'HubOutbox1795940000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const collation = await binaryCollation(queryRunner);
    await queryRunner.query(
      `CREATE TABLE \`hub_outbox\` (
        \`id\` bigint NOT NULL AUTO_INCREMENT,
        \`payload\` longtext NOT NULL,
        \`created_at\` bigint NOT NULL,
        PRIMARY KEY (\`id\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`,
    );
    await queryRunner.query(
      `ALTER TABLE \`hub_subscription\` ADD COLUMN \`after_outbox_id\` bigint NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `CREATE TABLE \`hub_gate\` (
        \`name\` varchar(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`value\` bigint NOT NULL,
        PRIMARY KEY (\`name\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`,
    );
    await queryRunner.query(
      `INSERT INTO \`hub_gate\` (\`name\`, \`value\`) SELECT 'subscriptions', COUNT(*) FROM \`hub_subscription\``,
    );
    await queryRunner.query(
      `INSERT INTO \`hub_gate\` (\`name\`, \`value\`) VALUES ('fanout', 0), ('relay', 0)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`hub_gate\``);
    await queryRunner.query(`ALTER TABLE \`hub_subscription\` DROP COLUMN \`after_outbox_id\``);
    await queryRunner.query(`DROP TABLE \`hub_outbox\``);
  }
}
