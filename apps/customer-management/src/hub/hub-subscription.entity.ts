import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A hub registration (`POST /hub`): where to send events and which ones. */
@Entity({ name: 'hub_subscription' })
export class HubSubscriptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  callback!: string;

  /** The TMF630 query as registered (raw, still percent-encoded); null = every event. */
  @Column({ type: 'text', nullable: true })
  query!: string | null;

  /** HMAC key for the `X-Hub-Signature` header; never returned by the API. */
  @Column({ type: 'varchar', length: 512, nullable: true })
  secret!: string | null;

  /** SHA-256 of callback and query: the unique key behind the 409 for a duplicate registration. */
  @Index('uq_hub_subscription_dedup', { unique: true })
  @Column({ name: 'dedup_key', type: 'varchar', length: 64 })
  dedupKey!: string;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;
}
