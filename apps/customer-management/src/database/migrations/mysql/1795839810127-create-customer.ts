import { MigrationInterface, QueryRunner } from 'typeorm';

import { binaryCollation } from './collation';

export class CreateCustomer1795839810127 implements MigrationInterface {
  name = 'CreateCustomer1795839810127';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Binary, no-pad collation: equality is exact and case-sensitive, as on SQLite.
    const collation = await binaryCollation(queryRunner);
    await queryRunner.query(
      `CREATE TABLE \`customer\` (
        \`id\` varchar(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        \`name\` varchar(512) NULL,
        \`status\` varchar(100) NULL,
        \`at_type\` varchar(200) NOT NULL,
        \`engaged_party_id\` varchar(200) NULL,
        \`valid_for_start\` bigint NULL,
        \`valid_for_end\` bigint NULL,
        \`created_at\` bigint NOT NULL,
        \`updated_at\` bigint NOT NULL,
        \`version\` int NOT NULL,
        \`document\` longtext NOT NULL,
        PRIMARY KEY (\`id\`),
        INDEX \`idx_customer_name\` (\`name\`),
        INDEX \`idx_customer_status\` (\`status\`),
        INDEX \`idx_customer_engaged_party_id\` (\`engaged_party_id\`),
        INDEX \`idx_customer_valid_for_start\` (\`valid_for_start\`),
        INDEX \`idx_customer_valid_for_end\` (\`valid_for_end\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`customer\``);
  }
}
