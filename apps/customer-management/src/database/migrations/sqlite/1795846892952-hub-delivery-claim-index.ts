import { MigrationInterface, QueryRunner } from 'typeorm';

/** Claims go subscription by subscription: the due index is led by subscription_id (ADR 0003). */
export class HubDeliveryClaimIndex1795846892952 implements MigrationInterface {
  name = 'HubDeliveryClaimIndex1795846892952';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_hub_delivery_due"`);
    await queryRunner.query(
      `CREATE INDEX "idx_hub_delivery_subscription_due" ON "hub_delivery" ("subscription_id", "status", "next_attempt_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_hub_delivery_subscription_due"`);
    await queryRunner.query(
      `CREATE INDEX "idx_hub_delivery_due" ON "hub_delivery" ("status", "next_attempt_at")`,
    );
  }
}
