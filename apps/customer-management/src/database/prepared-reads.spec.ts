import { PreparedReads } from './prepared-reads';

describe('PreparedReads', () => {
  it('prepares a statement from its second use, binding integers as BIGINTs', () => {
    const reads = new PreparedReads();
    const sql = 'SELECT id FROM customer WHERE name = ? LIMIT ?';
    expect(reads.use(sql, ['Ann', 20])).toBeUndefined();
    const values = reads.use(sql, ['Bob', 20]);
    expect(values?.[0]).toBe('Bob');
    expect(values?.[1]).toMatchObject({ type: 8, value: 20n, unsigned: false }); // LONGLONG
    expect(reads.use(sql, ['Cid', 5])).toHaveLength(2);
  });

  it('keeps the text protocol for statements without parameters, with other values or many of them', () => {
    const reads = new PreparedReads();
    for (const params of [[], [0.5], [true], [null], [2 ** 53], [{ a: 1 }], Array(17).fill('id')]) {
      reads.use('SELECT ?', params);
      expect(reads.use('SELECT ?', params)).toBeUndefined();
    }
  });

  it('forgets what it saw when full, so its memory is bounded', () => {
    const reads = new PreparedReads(2);
    reads.use('SELECT 1 FROM t WHERE a = ?', ['x']);
    reads.use('SELECT 2 FROM t WHERE a = ?', ['x']);
    reads.use('SELECT 3 FROM t WHERE a = ?', ['x']); // the seen set was full: starts again
    expect(reads.use('SELECT 1 FROM t WHERE a = ?', ['x'])).toBeUndefined();
    expect(reads.use('SELECT 3 FROM t WHERE a = ?', ['x'])).toEqual(['x']);
  });
});
