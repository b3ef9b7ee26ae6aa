import { parseCallbackAllow } from './callback-allow';

describe(parseCallbackAllow.name, () => {
  it('reads IPs, CIDR ranges and host names', () => {
    expect(
      parseCallbackAllow(
        ' 127.0.0.0/8, ::1 ,10.1.2.3, fc00::/7, Hooks.Internal, *.svc.cluster.local,',
      ),
    ).toEqual({
      hosts: ['hooks.internal', '*.svc.cluster.local'],
      ranges: [
        { address: '127.0.0.0', prefix: 8, family: 'ipv4' },
        { address: '::1', prefix: 128, family: 'ipv6' },
        { address: '10.1.2.3', prefix: 32, family: 'ipv4' },
        { address: 'fc00::', prefix: 7, family: 'ipv6' },
      ],
    });
    expect(parseCallbackAllow('')).toEqual({ hosts: [], ranges: [] });
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/x', 'http://x', 'a b', '300.1.1.1', 'host/24'])(
    'refuses %s',
    (entry) => {
      expect(() => parseCallbackAllow(entry)).toThrow(/HUB_CALLBACK_ALLOW/);
    },
  );
});
