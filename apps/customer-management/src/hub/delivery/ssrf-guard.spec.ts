import { parseCallbackAllow } from '@server/config/callback-allow';

import { CallbackAddressPolicy, guardedLookup, normalizeAddress } from './ssrf-guard';

describe(CallbackAddressPolicy.name, () => {
  const strict = new CallbackAddressPolicy(parseCallbackAllow(''));
  const loopback = new CallbackAddressPolicy(parseCallbackAllow('127.0.0.0/8, ::1'));
  const everything = new CallbackAddressPolicy(
    parseCallbackAllow('0.0.0.0/0, ::/0, hooks.internal, *.svc.cluster.local'),
  );

  it.each([
    '169.254.169.254',
    '169.254.0.1',
    'fe80::1',
    'febf::1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '64:ff9b::169.254.169.254',
    'fd00:ec2::254',
    '100.100.100.200',
    '224.0.0.1',
    'ff02::1',
  ])('always refuses %s, whatever HUB_CALLBACK_ALLOW says', (address) => {
    expect(strict.refusal(address)).toBeDefined();
    expect(everything.refusal(address)).toBeDefined();
    expect(everything.refusal(address, 'hooks.internal')).toBeDefined();
  });

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
  ])('refuses %s by default; admits it when an allowed range or host covers it', (address) => {
    expect(strict.refusal(address)).toMatch(/HUB_CALLBACK_ALLOW/);
    expect(everything.refusal(address)).toBeUndefined();
    expect(
      new CallbackAddressPolicy(parseCallbackAllow('hooks.internal')).refusal(
        address,
        'hooks.internal',
      ),
    ).toBeUndefined();
    expect(
      new CallbackAddressPolicy(parseCallbackAllow('*.svc.cluster.local')).refusal(
        address,
        'subscriber.team.svc.cluster.local',
      ),
    ).toBeUndefined();
    expect(
      new CallbackAddressPolicy(parseCallbackAllow('*.svc.cluster.local')).refusal(
        address,
        'evil-svc.cluster.local.example',
      ),
    ).toBeDefined();
  });

  it('admits exactly the configured ranges', () => {
    expect(loopback.refusal('127.0.0.1')).toBeUndefined();
    expect(loopback.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(loopback.refusal('::1')).toBeUndefined();
    expect(loopback.refusal('10.0.0.1')).toBeDefined();
    expect(loopback.refusal('192.168.1.1')).toBeDefined();
  });

  it.each(['8.8.8.8', '203.0.113.7', '2001:db8::1', '2606:4700::1111', '172.32.0.1', '11.0.0.1'])(
    'allows the public address %s',
    (address) => {
      expect(strict.refusal(address)).toBeUndefined();
    },
  );

  it.each([
    ['http://127.0.0.1:8080/x', /loopback/],
    ['http://[::1]/x', /loopback/],
    ['http://0x7f.1/x', /loopback/],
    ['http://2130706433/x', /loopback/],
    ['http://169.254.169.254/x', /link-local/],
    ['http://metadata.google.internal/x', /metadata/],
    ['gopher://example.com/x', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['/relative', /absolute/],
  ])('callbackRefusal(%s)', (callback, reason) => {
    expect(strict.callbackRefusal(callback)).toMatch(reason);
  });

  it.each(['https://hooks.example.com/tmf', 'http://localhost:8080/x', 'http://203.0.113.7/x'])(
    'callbackRefusal(%s) leaves host names to the connect-time check',
    (callback) => {
      expect(strict.callbackRefusal(callback)).toBeUndefined();
    },
  );
});

describe(normalizeAddress.name, () => {
  it('unwraps IPv4 carried in IPv6 and keeps real IPv6', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
    expect(normalizeAddress('[::ffff:a00:1]')).toEqual({ address: '10.0.0.1', family: 'ipv4' });
    expect(normalizeAddress('2001:db8::1')).toEqual({ address: '2001:db8::1', family: 'ipv6' });
    expect(normalizeAddress('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 'ipv6' });
    expect(normalizeAddress('example.com')).toBeUndefined();
  });
});

describe(guardedLookup.name, () => {
  it('refuses a name that resolves only to refused addresses, at connect time', async () => {
    const lookup = guardedLookup(new CallbackAddressPolicy(parseCallbackAllow('')));
    const err = await new Promise<Error | null>((resolve) =>
      lookup('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(err?.name).toBe('SsrfRefusedError');
  });

  it('returns the allowed addresses, in both callback shapes', async () => {
    const lookup = guardedLookup(new CallbackAddressPolicy(parseCallbackAllow('127.0.0.0/8')));
    const all = await new Promise<unknown>((resolve) =>
      lookup('127.0.0.1', { all: true }, (_e, addresses) => resolve(addresses)),
    );
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
    const one = await new Promise<unknown[]>((resolve) =>
      lookup('127.0.0.1', {}, (_e, address, family) => resolve([address, family])),
    );
    expect(one).toEqual(['127.0.0.1', 4]);
  });
});
