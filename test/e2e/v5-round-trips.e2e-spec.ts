import { JsonObject } from '@app/tmf-common';
import { storeV5, v5View } from '@app/tmf629-v5';
import { MAPPING_ROWS } from '@app/tmf629-v5/testing/mapping-rows';

import { TestApp } from './support/test-app';

// Every row of the mapping table (docs/v5.md) through both HTTP APIs and the real store, in both
// directions: created in one version, it is read, found, patched and deleted in the other, and
// nothing either version wrote is lost. libs/tmf629-v5 proves the table itself row by row.

const V4 = '/tmf-api/customerManagement/v4/customer';
const V5 = '/tmf-api/customerManagement/v5/customer';
const MERGE = { 'content-type': 'application/merge-patch+json' };

function withoutIdentity(resource: JsonObject): JsonObject {
  const { id: _id, href: _href, ...rest } = resource;
  return rest;
}

describe('v5 ⇄ v4 round trips through HTTP, every mapping table row', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  async function found(path: string, name: string): Promise<JsonObject[]> {
    const res = await app.request('GET', `${path}?name=${encodeURIComponent(name)}`);
    expect(res.status).toBe(200);
    return res.json as JsonObject[];
  }

  describe.each(MAPPING_ROWS.map((row, i) => ({ ...row, name: `row-${i}` })))(
    '$row',
    ({ v4, v5, v5Only, writes = true, name }) => {
      const v4Form = { ...v4, name };
      const v5Form = { ...v5, name };

      it('created in v5: read, found, patched and deleted in v4, nothing lost', async () => {
        const created = await app.request('POST', V5, { body: v5Form });
        expect(created.status).toBe(201);
        const id = created.json.id as string;
        expect(withoutIdentity(created.json)).toEqual(v5Form);

        // Read in v4: the row's v4 form (or what v4 can see of it), with the same ETag.
        const expectedV4 = writes ? v4Form : storeV5(v5Form).document;
        const read = await app.request('GET', `${V4}/${id}`);
        expect(read.status).toBe(200);
        expect(withoutIdentity(read.json)).toEqual(expectedV4);
        expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
        expect(await found(V4, name)).toEqual([read.json]);
        expect(await found(V5, name)).toEqual([created.json]);

        // A v4 patch of something else: v5 still sees everything it wrote.
        const patched = await app.request('PATCH', `${V4}/${id}`, {
          body: { status: 'suspended' },
          headers: MERGE,
        });
        expect(patched.status).toBe(200);
        const afterV4 = await app.request('GET', `${V5}/${id}`);
        expect(withoutIdentity(afterV4.json)).toEqual({ ...v5Form, status: 'suspended' });
        expect(afterV4.headers.get('etag')).toBe(patched.headers.get('etag'));

        // A v5 patch: v4 keeps its view, with the change.
        const v5Patch = await app.request('PATCH', `${V5}/${id}`, {
          body: { statusReason: 'checked' },
          headers: MERGE,
        });
        expect(v5Patch.status).toBe(200);
        const afterV5 = await app.request('GET', `${V4}/${id}`);
        expect(withoutIdentity(afterV5.json)).toEqual({
          ...expectedV4,
          status: 'suspended',
          statusReason: 'checked',
        });

        expect((await app.request('DELETE', `${V4}/${id}`)).status).toBe(204);
        expect((await app.request('GET', `${V5}/${id}`)).status).toBe(404);
      });

      it('created in v4: read, found, patched and deleted in v5, nothing lost', async () => {
        const created = await app.request('POST', V4, { body: v4Form });
        expect(created.status).toBe(201);
        const id = created.json.id as string;
        expect(withoutIdentity(created.json)).toEqual(v4Form);

        // Read in v5: the row's v5 form, but for what only a v5 write can give (the side bag).
        const expectedV5 = v5Only ? v5View({ document: v4Form }) : v5Form;
        const read = await app.request('GET', `${V5}/${id}`);
        expect(read.status).toBe(200);
        expect(withoutIdentity(read.json)).toEqual(expectedV5);
        expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
        expect(await found(V5, name)).toEqual([read.json]);

        // A v5 patch of something else: every v4-only detail stays.
        const patched = await app.request('PATCH', `${V5}/${id}`, {
          body: { status: 'suspended' },
          headers: MERGE,
        });
        expect(patched.status).toBe(200);
        const afterV5 = await app.request('GET', `${V4}/${id}`);
        expect(withoutIdentity(afterV5.json)).toEqual({ ...v4Form, status: 'suspended' });
        expect(afterV5.headers.get('etag')).toBe(patched.headers.get('etag'));
        expect(await found(V4, name)).toEqual([afterV5.json]);

        // And a v4 patch after it: v5 sees both changes.
        await app.request('PATCH', `${V4}/${id}`, {
          body: { statusReason: 'checked' },
          headers: MERGE,
        });
        const afterV4 = await app.request('GET', `${V5}/${id}`);
        expect(withoutIdentity(afterV4.json)).toEqual({
          ...expectedV5,
          status: 'suspended',
          statusReason: 'checked',
        });

        expect((await app.request('DELETE', `${V5}/${id}`)).status).toBe(204);
        expect((await app.request('GET', `${V4}/${id}`)).status).toBe(404);
      });
    },
  );

  it('leaves no side bag behind a deleted customer', async () => {
    const rows = await app.dataSource.query('SELECT COUNT(*) AS n FROM customer_v5_extension');
    expect(Number(rows[0].n)).toBe(0);
  });
});
