import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One customer: the JSON document exactly as returned (minus the derived `id`/`href`) plus typed,
 * indexed copies of the attributes filtered and sorted most. The columns are written from the
 * document on every write and never edited on their own.
 */
@Entity({ name: 'customer' })
export class CustomerEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('idx_customer_name')
  @Column({ type: 'varchar', length: 512, nullable: true })
  name!: string | null;

  @Index('idx_customer_status')
  @Column({ type: 'varchar', length: 100, nullable: true })
  status!: string | null;

  @Column({ name: 'at_type', type: 'varchar', length: 200 })
  atType!: string;

  @Index('idx_customer_engaged_party_id')
  @Column({ name: 'engaged_party_id', type: 'varchar', length: 200, nullable: true })
  engagedPartyId!: string | null;

  /** validFor.startDateTime as epoch milliseconds. */
  @Index('idx_customer_valid_for_start')
  @Column({ name: 'valid_for_start', type: 'bigint', nullable: true })
  validForStart!: number | null;

  @Index('idx_customer_valid_for_end')
  @Column({ name: 'valid_for_end', type: 'bigint', nullable: true })
  validForEnd!: number | null;

  @Column({ name: 'created_at', type: 'bigint' })
  createdAt!: number;

  @Column({ name: 'updated_at', type: 'bigint' })
  updatedAt!: number;

  /** Incremented on every write; the ETag and the optimistic-concurrency check. */
  @Column({ type: 'int' })
  version!: number;

  /** The JSON text. LONGTEXT rather than MySQL JSON, which would reorder and reformat it. */
  @Column({ type: 'text' })
  document!: string;
}
