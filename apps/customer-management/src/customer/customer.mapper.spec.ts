import { customerJson } from './customer.mapper';

describe(customerJson.name, () => {
  it('splices id and href in front of the stored members without re-serializing them', () => {
    const json = customerJson('1', 'http://h/c/1', '{"name":"Ünïcode / slash","n":1.50}');
    expect(json).toBe('{"id":"1","href":"http://h/c/1","name":"Ünïcode / slash","n":1.50}');
    expect(JSON.parse(json)).toEqual({
      id: '1',
      href: 'http://h/c/1',
      name: 'Ünïcode / slash',
      n: 1.5,
    });
  });

  it('handles an empty document', () => {
    expect(customerJson('1', 'h', '{}')).toBe('{"id":"1","href":"h"}');
  });
});
