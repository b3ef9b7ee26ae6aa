import { parseDatabaseUrl } from './database-url';

describe(parseDatabaseUrl.name, () => {
  it('defaults to a SQLite file under ./data of the working directory', () => {
    expect(parseDatabaseUrl(undefined, '/srv/app')).toEqual({
      type: 'sqlite',
      file: '/srv/app/data/customers.sqlite',
    });
    expect(parseDatabaseUrl('', '/srv/app')).toEqual({
      type: 'sqlite',
      file: '/srv/app/data/customers.sqlite',
    });
  });

  it('reads sqlite:<path>, absolute or relative, and sqlite::memory:', () => {
    expect(parseDatabaseUrl('sqlite:/var/lib/tmf/customers.sqlite')).toEqual({
      type: 'sqlite',
      file: '/var/lib/tmf/customers.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:db/c.sqlite', '/srv/app')).toEqual({
      type: 'sqlite',
      file: '/srv/app/db/c.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:./c.sqlite', '/srv/app')).toEqual({
      type: 'sqlite',
      file: '/srv/app/c.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:///abs/c.sqlite')).toEqual({
      type: 'sqlite',
      file: '/abs/c.sqlite',
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ type: 'sqlite', file: ':memory:' });
  });

  it('reads mysql:// and mariadb:// URLs with encoded credentials', () => {
    expect(parseDatabaseUrl('mysql://app:p%40ss@db.internal:3307/tmf629')).toEqual({
      type: 'mysql',
      host: 'db.internal',
      port: 3307,
      username: 'app',
      password: 'p@ss',
      database: 'tmf629',
    });
    expect(parseDatabaseUrl('mariadb://root@127.0.0.1/x')).toMatchObject({
      type: 'mysql',
      port: 3306,
      username: 'root',
      password: '',
    });
  });

  it.each(['postgres://h/db', 'mysql://host-only', 'sqlite:', 'nonsense'])('rejects %s', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(/DATABASE_URL/);
  });
});
