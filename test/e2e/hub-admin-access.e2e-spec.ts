import { ADMIN_HEADERS, HUB_ADMIN_TOKEN } from './support/hub';
import { TestApp } from './support/test-app';

const ADMIN_ROUTES: [string, string][] = [
  ['GET', '/hub-admin/dead-letters'],
  ['GET', '/hub-admin/stats'],
  ['POST', '/hub-admin/dead-letters/redrive'],
  ['DELETE', '/hub-admin/dead-letters/1'],
];

describe('/hub-admin is closed unless guarded', () => {
  it('answers 404 on every admin route by default, is absent from /docs-json, and the log says how to open it', async () => {
    const app = await TestApp.start();
    try {
      for (const [method, path] of ADMIN_ROUTES) {
        const res = await app.request(method, path, method === 'POST' ? { body: {} } : {});
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      }
      const doc = (await app.request('GET', '/docs-json')).json;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/hub-admin'))).toEqual([]);
      const notice = app.logLines.find((l) => String(l.msg).includes('/hub-admin'));
      expect(String(notice?.msg)).toContain('HUB_ADMIN_TOKEN');
      expect(String(notice?.msg)).toContain('AUTH_ENABLED=true');
    } finally {
      await app.close();
    }
  });

  it('with HUB_ADMIN_TOKEN: 401 without the token, 200 with it, and documented', async () => {
    const app = await TestApp.start({ HUB_ADMIN_TOKEN });
    try {
      const anonymous = await app.request('GET', '/hub-admin/stats');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      const wrong = await app.request('GET', '/hub-admin/stats', {
        headers: { authorization: 'Bearer not-the-token' },
      });
      expect(wrong.status).toBe(401);
      // The controller's guard runs before the query-parameter check: no 400 to a caller without the token.
      const probing = await app.request('GET', '/hub-admin/dead-letters?limit=abc&unknown=1');
      expect(probing.status).toBe(401);
      const invalid = await app.request('GET', '/hub-admin/dead-letters?limit=abc', {
        headers: ADMIN_HEADERS,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.json.code).toBe('QUERY_PARAMETER_INVALID');
      const stats = await app.request('GET', '/hub-admin/stats', { headers: ADMIN_HEADERS });
      expect(stats.status).toBe(200);
      expect(stats.json.deliveries).toBeDefined();
      const doc = (await app.request('GET', '/docs-json')).json;
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/hub-admin/dead-letters', '/hub-admin/stats']),
      );
      expect(app.logLines.some((l) => String(l.msg).includes('is closed'))).toBe(false);
    } finally {
      await app.close();
    }
  });
});
