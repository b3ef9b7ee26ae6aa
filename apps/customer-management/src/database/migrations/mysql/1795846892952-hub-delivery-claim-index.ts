import { MigrationInterface, QueryRunner } from 'typeorm';

/** Claims go subscription by subscription: the due index is led by subscription_id (ADR 0003). */
export class HubDeliveryClaimIndex1795846892952 implements MigrationInterface {
  name = 'HubDeliveryClaimIndex1795846892952';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE \`hub_delivery\`
         DROP INDEX \`idx_hub_delivery_due\`,
         ADD INDEX \`idx_hub_delivery_subscription_due\` (\`subscription_id\`, \`status\`, \`next_attempt_at\`)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE \`hub_delivery\`
         DROP INDEX \`idx_hub_delivery_subscription_due\`,
         ADD INDEX \`idx_hub_delivery_due\` (\`status\`, \`next_attempt_at\`)`,
    );
  }
}
