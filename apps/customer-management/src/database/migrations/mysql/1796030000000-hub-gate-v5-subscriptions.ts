import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The number of v5 subscriptions beside the total, in the gate the write path reads (ADR 0010): a
 * change's v5 events are built only when a v5 subscription exists. Kept by the subscription changes,
 * which update it after the `subscriptions` row, in the same transaction.
 */
export class HubGateV5Subscriptions1796030000000 implements MigrationInterface {
  name = 'HubGateV5Subscriptions1796030000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "INSERT INTO hub_gate (name, value) SELECT 'subscriptions_v5', COUNT(*) FROM hub_subscription WHERE version = 'v5'",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DELETE FROM hub_gate WHERE name = 'subscriptions_v5'");
  }
}
