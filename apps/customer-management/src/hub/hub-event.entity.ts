import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The outbox: one row per event, written in the transaction of the change that caused it, holding
 * the exact JSON every subscriber receives. Only events that some subscription matched are written.
 */
@Entity({ name: 'hub_event' })
export class HubEventEntity {
  /** The `eventId` (UUID), identical on every delivery and retry. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  @Column({ name: 'resource_id', type: 'varchar', length: 36 })
  resourceId!: string;

  @Column({ type: 'text' })
  payload!: string;

  @Index('idx_hub_event_created_at')
  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;
}
