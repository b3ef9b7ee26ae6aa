import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'dead';

/**
 * One event for one subscription: the unit the dispatcher claims, attempts, retries and
 * dead-letters. Deleted once delivered. `next_attempt_at` is both the retry time and, while
 * `claim_token` is set, the end of the claim's lease.
 */
@Entity({ name: 'hub_delivery' })
@Index('idx_hub_delivery_subscription_due', ['subscriptionId', 'status', 'nextAttemptAt'])
export class HubDeliveryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_id', type: 'varchar', length: 36 })
  eventId!: string;

  @Column({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  /** Attempts started (counted when claimed, so a crash mid-attempt counts too). */
  @Column({ type: 'int' })
  attempts!: number;

  /** Epoch milliseconds. */
  @Column({ name: 'next_attempt_at', type: 'bigint' })
  nextAttemptAt!: number;

  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true })
  claimToken!: string | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_status', type: 'int', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint' })
  updatedAt!: number;
}
