import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The TMF629 version a hub subscription was registered through (docs/v5.md): it receives the events
 * of that version's shape, and its query uses that version's paths. Existing subscriptions are v4.
 */
export class HubSubscriptionVersion1795960000000 implements MigrationInterface {
  name = 'HubSubscriptionVersion1795960000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      "ALTER TABLE hub_subscription ADD COLUMN version varchar(2) NOT NULL DEFAULT 'v4'",
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hub_subscription DROP COLUMN version');
  }
}
