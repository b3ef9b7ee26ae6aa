import { MigrationInterface, QueryRunner } from 'typeorm';

import { binaryCollation } from './collation';

export class CreateHub1795842135698 implements MigrationInterface {
  name = 'CreateHub1795842135698';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const collation = await binaryCollation(queryRunner);
    await queryRunner.query(
      `CREATE TABLE \`hub_subscription\` (
        \`id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`callback\` varchar(2048) NOT NULL,
        \`query\` text NULL,
        \`secret\` varchar(512) NULL,
        \`dedup_key\` varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`created_at\` bigint NOT NULL,
        PRIMARY KEY (\`id\`),
        UNIQUE INDEX \`uq_hub_subscription_dedup\` (\`dedup_key\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`,
    );
    await queryRunner.query(
      `CREATE TABLE \`hub_event\` (
        \`id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`event_type\` varchar(64) NOT NULL,
        \`resource_id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`payload\` longtext NOT NULL,
        \`created_at\` bigint NOT NULL,
        PRIMARY KEY (\`id\`),
        INDEX \`idx_hub_event_created_at\` (\`created_at\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`,
    );
    // No foreign keys: a write racing an unsubscribe may still queue a delivery for the deleted
    // subscription; the dispatcher drops such orphans instead of failing the customer's write.
    // One secondary index only (claims): every write inserts a row per subscriber, and the rare
    // operations by event or subscription (purge, unsubscribe) can afford a scan of this table,
    // which holds only undelivered rows.
    await queryRunner.query(
      `CREATE TABLE \`hub_delivery\` (
        \`id\` bigint NOT NULL AUTO_INCREMENT,
        \`event_id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`subscription_id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`status\` varchar(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`attempts\` int NOT NULL,
        \`next_attempt_at\` bigint NOT NULL,
        \`claim_token\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
        \`last_error\` varchar(1000) NULL,
        \`last_status\` int NULL,
        \`created_at\` bigint NOT NULL,
        \`updated_at\` bigint NOT NULL,
        PRIMARY KEY (\`id\`),
        INDEX \`idx_hub_delivery_due\` (\`status\`, \`next_attempt_at\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`hub_delivery\``);
    await queryRunner.query(`DROP TABLE \`hub_event\``);
    await queryRunner.query(`DROP TABLE \`hub_subscription\``);
  }
}
