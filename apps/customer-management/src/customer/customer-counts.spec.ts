import { parseQuery } from '@app/tmf-query';

import { counterKeyOf, counterWriteStatement, MYSQL_SHARDS } from './customer-counts';
import { CustomerColumns } from './customer-document';
import { customerQuerySchema } from './customer.schema';

const parse = (raw: string) =>
  parseQuery(raw, customerQuerySchema, { paging: { defaultLimit: 10, maxLimit: 100 } });

const columns = (status: string | null, atType = 'Customer'): CustomerColumns => ({
  name: 'n',
  status,
  at_type: atType,
  engaged_party_id: null,
  valid_for_start: null,
  valid_for_end: null,
});

describe(counterKeyOf.name, () => {
  it.each([
    ['', { dim: 'total', values: [''] }],
    ['sort=-name&offset=40&fields=name', { dim: 'total', values: [''] }],
    ['status=active', { dim: 'status', values: ['active'] }],
    ['status=a,b&status=a&sort=name', { dim: 'status', values: ['a', 'b'] }],
    ['%40type=VipCustomer', { dim: 'at_type', values: ['VipCustomer'] }],
  ])('%s is answered by a count', (raw, key) => {
    expect(counterKeyOf(parse(raw))).toEqual(key);
  });

  it.each([
    'status=active&name=x',
    'status.ne=active',
    'status*=^a',
    'status=a;name=b',
    'name=x',
    'status=a&%40type=b',
  ])('%s is counted on the customers', (raw) => {
    expect(counterKeyOf(parse(raw))).toBeUndefined();
  });
});

describe(counterWriteStatement.name, () => {
  it('adds the total and the values of an insert, and takes them away on a delete', () => {
    expect(counterWriteStatement('sqlite', undefined, columns('active'))?.params).toEqual([
      'at_type',
      'Customer',
      0,
      1,
      'status',
      'active',
      0,
      1,
      'total',
      '',
      0,
      1,
    ]);
    expect(counterWriteStatement('sqlite', columns(null, 'Vip'), undefined)?.params).toEqual([
      'at_type',
      'Vip',
      0,
      -1,
      'total',
      '',
      0,
      -1,
    ]);
  });

  it('moves a patched status between its counts, and writes nothing when none changes', () => {
    expect(counterWriteStatement('sqlite', columns('b'), columns('a'))?.params).toEqual([
      'status',
      'a',
      0,
      1,
      'status',
      'b',
      0,
      -1,
    ]);
    expect(counterWriteStatement('sqlite', columns('a'), columns('a'))).toBeUndefined();
  });

  it('picks one shard per write on MySQL, the same for all its rows', () => {
    const shards = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const params = counterWriteStatement('mysql', undefined, columns('a'))!.params;
      expect(params[2]).toBe(params[6]);
      shards.add(params[2] as number);
    }
    expect(Math.min(...shards)).toBe(0);
    expect(Math.max(...shards)).toBe(MYSQL_SHARDS - 1);
  });
});
