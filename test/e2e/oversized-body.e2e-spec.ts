import { streamUpload } from '@test/support/raw-http';
import { TEST_DB } from '@test/support/test-database';

import { CUSTOMER_PATH, snapshot } from './support/customers';
import { TestApp } from './support/test-app';

const MB = 1024 * 1024;

/**
 * A client that uploads a body over BODY_LIMIT_BYTES reads the 413: the server answers, then reads
 * and discards the rest of the upload (bounded) instead of closing on it, which reset the connection
 * (EPIPE on the client, the answer lost) for uploads of a few megabytes.
 */
describe(`oversized bodies get a readable 413 (${TEST_DB})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([2, 12, 64])(
    'answers a %d MB upload with a 413 the client reads, five times in a row',
    async (mb) => {
      const before = await snapshot(app);
      for (let i = 0; i < 5; i++) {
        const res = await streamUpload(app.baseUrl, {
          method: i % 2 === 0 ? 'POST' : 'PATCH',
          path: i % 2 === 0 ? CUSTOMER_PATH : `${CUSTOMER_PATH}/some-id`,
          headers: {
            'content-type': i % 2 === 0 ? 'application/json' : 'application/merge-patch+json',
          },
          size: mb * MB,
        });
        expect({ mb, i, failure: res.failure, status: res.status }).toEqual({
          mb,
          i,
          failure: undefined,
          status: 413,
        });
        expect(res.response).toContain('"code":"PAYLOAD_TOO_LARGE"');
      }
      expect(await snapshot(app)).toBe(before);
    },
  );

  it('stops discarding beyond 128 body limits, and closes a stalled upload after the request timeout', async () => {
    const small = await TestApp.start({
      BODY_LIMIT_BYTES: '1024',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: '1000',
    });
    try {
      // 128 KiB are discarded, then the connection is closed on the rest of a 16 MB upload.
      const flood = await streamUpload(small.baseUrl, {
        method: 'POST',
        path: CUSTOMER_PATH,
        headers: { 'content-type': 'application/json' },
        size: 16 * MB,
      });
      expect(flood.failure).toMatch(/before the whole body was sent/);
      expect(flood.response).toContain(' 413 ');
      // A client that declares 1 MB, sends 4 KiB and stalls is closed, not waited for.
      const stalled = await streamUpload(small.baseUrl, {
        method: 'POST',
        path: CUSTOMER_PATH,
        headers: { 'content-type': 'application/json' },
        size: 1 * MB,
        stallAfter: 4096,
      });
      expect(stalled.response).toContain(' 413 ');
      expect(stalled.failure).toMatch(/before the whole body was sent/);
      const after = await small.request('GET', CUSTOMER_PATH);
      expect(after.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
