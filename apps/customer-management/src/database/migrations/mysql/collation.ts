import { QueryRunner } from 'typeorm';

/**
 * The binary utf8mb4 collation without trailing-space padding: `utf8mb4_nopad_bin` on MariaDB,
 * `utf8mb4_0900_bin` on MySQL 8 (MariaDB lacks the 0900 family, MySQL lacks the nopad one).
 */
export async function binaryCollation(queryRunner: QueryRunner): Promise<string> {
  const rows = (await queryRunner.query('SELECT VERSION() AS v')) as { v: string }[];
  return /mariadb/i.test(rows[0]?.v ?? '') ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}
