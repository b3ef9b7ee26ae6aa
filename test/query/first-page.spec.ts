import { compileSql, firstRowsInIdOrder, parseQuery } from '@app/tmf-query';
import { customerQuerySchema } from '@server/customer/customer.schema';
import { customerSqlStorage } from '@server/customer/customer.storage';

const paging = { defaultLimit: 20, maxLimit: 100 };
const rowsOf = (raw: string, maxRows = 200) =>
  firstRowsInIdOrder(
    compileSql(parseQuery(raw, customerQuerySchema, { paging }), customerSqlStorage, {
      dialect: 'sqlite',
    }),
    customerSqlStorage.idColumn,
    maxRows,
  );

// The pages both engines' in-memory intersections build from their first matches.
describe(firstRowsInIdOrder.name, () => {
  it('gives offset + limit for a page in id order (the default order, or sort=id)', () => {
    expect(rowsOf('name=a')).toBe(20);
    expect(rowsOf('name=a&offset=30&limit=10')).toBe(40);
    expect(rowsOf('name=a&sort=id&limit=5')).toBe(5);
  });

  it('gives nothing for another order, a cursor, or a page deeper than the bound', () => {
    expect(rowsOf('name=a&sort=-id')).toBeUndefined();
    expect(rowsOf('name=a&sort=name')).toBeUndefined();
    expect(rowsOf('name=a&sort=status,id')).toBeUndefined();
    expect(rowsOf('name=a&offset=190&limit=20')).toBeUndefined();
    expect(rowsOf('name=a&offset=180&limit=20')).toBe(200);
    const cursor = compileSql(
      parseQuery('name=a&limit=5', customerQuerySchema, { paging }),
      customerSqlStorage,
      { dialect: 'sqlite' },
    );
    expect(
      firstRowsInIdOrder(
        { ...cursor, page: { offset: 0, limit: 5, cursor: 'x' } },
        customerSqlStorage.idColumn,
        200,
      ),
    ).toBeUndefined();
  });
});
