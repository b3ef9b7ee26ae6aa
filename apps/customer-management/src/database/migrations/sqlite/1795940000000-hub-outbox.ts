import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fan-out after commit (ADR 0010): one `hub_outbox` row per change, a subscription's position in
 * the outbox sequence (`after_outbox_id`: it receives the changes written after it), and `hub_gate`,
 * rows the writers and the subscription changes order themselves on (here the single writer
 * already does; the row still holds the subscription count the write path reads), whose `fanout`
 * row keeps the highest outbox id fanned out or relayed (deleted rows still count for positions).
 */
export class HubOutbox1795940000000 implements MigrationInterface {
  name = 'HubOutbox1795940000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "hub_outbox" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "payload" text NOT NULL, "created_at" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `ALTER TABLE "hub_subscription" ADD COLUMN "after_outbox_id" bigint NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `CREATE TABLE "hub_gate" ("name" varchar(32) PRIMARY KEY NOT NULL, "value" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `INSERT INTO "hub_gate" ("name", "value") SELECT 'subscriptions', COUNT(*) FROM "hub_subscription"`,
    );
    await queryRunner.query(
      `INSERT INTO "hub_gate" ("name", "value") VALUES ('fanout', 0), ('relay', 0)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "hub_gate"`);
    await queryRunner.query(`ALTER TABLE "hub_subscription" DROP COLUMN "after_outbox_id"`);
    await queryRunner.query(`DROP TABLE "hub_outbox"`);
  }
}
