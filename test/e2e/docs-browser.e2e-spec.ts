import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BrowserContext, chromium } from 'playwright-core';

import { TestApp } from './support/test-app';

/** Debian's `chromium` package (installed by .ci/run). */
const CHROMIUM = '/usr/bin/chromium';
/** A name that is not localhost: browsers treat only localhost as a secure context over plain HTTP. */
const HOST = 'customer-docs.example.test';

/**
 * /docs in a real browser, over plain HTTP, through a host name that is not localhost (as behind a
 * plain-HTTP ingress or docker compose): Swagger UI must load its assets and list the operations.
 * With CSP `upgrade-insecure-requests` on such a response the browser fetched them over https and
 * the page stayed blank; the directive is now sent only where HSTS is (PUBLIC_BASE_URL https).
 */
describe('/docs renders in headless Chromium over plain HTTP', () => {
  let browser: BrowserContext | undefined;
  let profile: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      return;
    }
    profile = mkdtempSync(join(tmpdir(), 'docs-chromium-'));
    // A fresh profile each run (--user-data-dir): no cache, no HSTS state from an earlier visit.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // The host name resolves to the loopback address inside this browser only.
        `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it.each([
    ['PUBLIC_BASE_URL http (default)', {}, false],
    ['PUBLIC_BASE_URL https (HSTS on)', { PUBLIC_BASE_URL: 'https://crm.example.com' }, true],
  ] as const)('%s: CSP upgrade-insecure-requests only with HSTS', async (_label, env, https) => {
    const app = await TestApp.start(env);
    try {
      const res = await app.request('GET', '/docs');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp.includes('upgrade-insecure-requests')).toBe(https);
      expect(res.headers.has('strict-transport-security')).toBe(https);
    } finally {
      await app.close();
    }
  });

  it('lists the operations, reached as http://<non-localhost name>/docs', async () => {
    if (!browser) {
      expect(process.env.CI).not.toBe('true'); // .ci/run installs chromium
      console.warn(`${CHROMIUM} is not installed: /docs was not rendered`);
      return;
    }
    const app = await TestApp.start();
    const page = await browser.newPage();
    try {
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
      const port = new URL(app.baseUrl).port;
      await page.goto(`http://${HOST}:${port}/docs`, { waitUntil: 'load' });
      const operations = page.locator('.opblock-summary');
      await operations.first().waitFor({ state: 'visible', timeout: 15000 });
      const shown = await page.locator('.opblock-summary-path').allInnerTexts();
      expect(shown).toEqual(
        expect.arrayContaining([
          '/tmf-api/customerManagement/v4/customer',
          '/tmf-api/customerManagement/v4/customer/{id}',
        ]),
      );
      expect(await operations.count()).toBeGreaterThanOrEqual(10);
      expect(failed).toEqual([]);
      const shot = join(profile, 'docs.png');
      await page.screenshot({ path: shot, fullPage: true });
      // A blank page is a few kilobytes of white; the rendered list is far more.
      expect(statSync(shot).size).toBeGreaterThan(50 * 1024);
    } finally {
      await page.close();
      await app.close();
    }
  });
});
