import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCustomer1795839805948 implements MigrationInterface {
  name = 'CreateCustomer1795839805948';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "customer" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(512), "status" varchar(100), "at_type" varchar(200) NOT NULL, "engaged_party_id" varchar(200), "valid_for_start" bigint, "valid_for_end" bigint, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, "version" integer NOT NULL, "document" text NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "idx_customer_name" ON "customer" ("name")`);
    await queryRunner.query(`CREATE INDEX "idx_customer_status" ON "customer" ("status")`);
    await queryRunner.query(
      `CREATE INDEX "idx_customer_engaged_party_id" ON "customer" ("engaged_party_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_customer_valid_for_start" ON "customer" ("valid_for_start")`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_customer_valid_for_end" ON "customer" ("valid_for_end")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customer"`);
  }
}
