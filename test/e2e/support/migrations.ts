import { DataSource } from 'typeorm';

/**
 * Undoes the latest migrations down to and including the one whose class name starts with `name`
 * (later ones first, as TypeORM must); returns how many were undone, for the redo to check. Tests of
 * one migration so stay right when later migrations are appended.
 */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<number> {
  for (let undone = 1; ; undone++) {
    const [last] = await dataSource.query<{ name: string }[]>(
      'SELECT name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    if (!last) {
      throw new Error(`No executed migration named ${name}`);
    }
    await dataSource.undoLastMigration({ transaction: 'each' });
    if (last.name.startsWith(name)) {
      return undone;
    }
  }
}
