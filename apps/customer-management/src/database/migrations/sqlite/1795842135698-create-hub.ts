import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateHub1795842135698 implements MigrationInterface {
  name = 'CreateHub1795842135698';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "hub_subscription" ("id" varchar(36) PRIMARY KEY NOT NULL, "callback" varchar(2048) NOT NULL, "query" text, "secret" varchar(512), "dedup_key" varchar(64) NOT NULL, "created_at" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_hub_subscription_dedup" ON "hub_subscription" ("dedup_key")`,
    );
    await queryRunner.query(
      `CREATE TABLE "hub_event" ("id" varchar(36) PRIMARY KEY NOT NULL, "event_type" varchar(64) NOT NULL, "resource_id" varchar(36) NOT NULL, "payload" text NOT NULL, "created_at" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_hub_event_created_at" ON "hub_event" ("created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "hub_delivery" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "event_id" varchar(36) NOT NULL, "subscription_id" varchar(36) NOT NULL, "status" varchar(16) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" bigint NOT NULL, "claim_token" varchar(36), "last_error" varchar(1000), "last_status" integer, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_hub_delivery_due" ON "hub_delivery" ("status", "next_attempt_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "hub_delivery"`);
    await queryRunner.query(`DROP TABLE "hub_event"`);
    await queryRunner.query(`DROP TABLE "hub_subscription"`);
  }
}
