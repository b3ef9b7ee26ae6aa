// Static checks of docker/Dockerfile and .dockerignore (no Docker engine here), plus a real run
// of the HEALTHCHECK command against local HTTP servers.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Copy, Label } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

import { APP_PORT, LIVE_PATH, startProdArgv, startProdEnv } from './support/app-contract';
import {
  argumentText,
  durationMs,
  execForm,
  healthcheckCommand,
  healthcheckFlags,
  keyword,
  parseDockerfile,
  Stage,
} from './support/dockerfile';
import { isIncluded, parseDockerignore } from './support/dockerignore';
import { DOCKERFILE, DOCKERIGNORE, REPO_ROOT } from './support/paths';

const dockerfile = parseDockerfile();

function messageText(message: string | { value: string }): string {
  return typeof message === 'string' ? message : message.value;
}
const runtime: Stage = dockerfile.stages[dockerfile.stages.length - 1];
const buildStages = dockerfile.stages.slice(0, -1);

describe('docker/Dockerfile', () => {
  it('passes the Dockerfile validator (dockerfile-utils: the checks the Docker builder makes)', () => {
    const problems = validate(readFileSync(DOCKERFILE, 'utf8')).map(
      (d) => `line ${d.range.start.line + 1}: ${messageText(d.message)}`,
    );
    expect(problems).toEqual([]);
  });

  it('is multi-stage, on the pinned Node version of .nvmrc (the one CI tests), Debian slim, same base for build and runtime', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const tested = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    expect(tested).toMatch(/^24\.\d+\.\d+$/);
    const engines = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    expect(engines).toMatch(/^\^24\.\d+\.\d+$/);
    for (const stage of dockerfile.stages) {
      expect(stage.image).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim(@sha256:[a-f0-9]{64})?$/);
      expect(stage.image.startsWith(`node:${tested}-`)).toBe(true);
    }
    expect(new Set(dockerfile.stages.map((s) => s.image)).size).toBe(1);
  });

  it('compiles the native module in a build stage that has the toolchain', () => {
    const build = buildStages.map((s) => keyword(s, 'RUN').map(argumentText).join('\n')).join('\n');
    expect(build).toMatch(/apt-get install[^\n]*\bpython3\b/);
    expect(build).toMatch(/\bmake\b/);
    expect(build).toMatch(/\bg\+\+/);
    expect(build).toMatch(/npm (ci|rebuild)[^\n]*better-sqlite3|npm rebuild better-sqlite3/);
  });

  it('ships production dependencies only, and no toolchain in the runtime stage', () => {
    const build = buildStages.map((s) => keyword(s, 'RUN').map(argumentText).join('\n')).join('\n');
    expect(build).toMatch(/npm (prune|ci)\b[^\n]*--omit=dev/);
    const runtimeRuns = keyword(runtime, 'RUN').map(argumentText).join('\n');
    expect(runtimeRuns).not.toMatch(/apt-get install|npm (ci|install)\b/);
    const copied = keyword(runtime, 'COPY').map(argumentText);
    expect(copied.some((c) => /node_modules/.test(c))).toBe(true);
    expect(copied.some((c) => /\bdist\b/.test(c))).toBe(true);
    // Sources never reach the runtime image.
    expect(copied.some((c) => /\b(apps|libs)\b/.test(c))).toBe(false);
  });

  it('runs as a numeric non-root user (so Kubernetes can verify runAsNonRoot)', () => {
    const users = keyword(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = argumentText(users[users.length - 1]);
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    // The Kubernetes manifests run as the same uid.
    expect(user.split(':')[0]).toBe('1000');
  });

  it("starts with the same command as package.json's start:prod, in exec form", () => {
    const cmds = keyword(runtime, 'CMD');
    expect(cmds.length).toBeGreaterThan(0);
    expect(execForm(cmds[cmds.length - 1])).toEqual(startProdArgv());
    expect(keyword(runtime, 'ENTRYPOINT')).toHaveLength(0);
    // The environment start:prod sets (glibc's malloc settings) is the image's too.
    const env = keyword(runtime, 'ENV')
      .map(argumentText)
      .join(' ')
      .split(/[\s\\]+/);
    for (const assignment of startProdEnv()) {
      expect(env).toContain(assignment);
    }
  });

  it('fails the build when the entry point the CMD runs was not produced', () => {
    const entry = startProdArgv().at(-1);
    const build = buildStages.map((s) => keyword(s, 'RUN').map(argumentText).join('\n')).join('\n');
    expect(build).toContain(`test -f ${entry}`);
  });

  it('exposes 8080 and defaults PORT/HOST to the contract', () => {
    expect(keyword(runtime, 'EXPOSE').map(argumentText)).toContain(String(APP_PORT));
    const env = keyword(runtime, 'ENV').map(argumentText).join(' ');
    expect(env).toContain(`PORT=${APP_PORT}`);
    expect(env).toContain('HOST=0.0.0.0');
    expect(env).toContain('NODE_ENV=production');
    expect(env).not.toMatch(/DATABASE_URL|PASSWORD|SECRET|TOKEN/);
  });

  it('has a HEALTHCHECK on /health/live with Node (no curl in slim images)', () => {
    const checks = keyword(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const command = healthcheckCommand(checks[0]);
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command?.[2]).toContain(LIVE_PATH);
    const flags = healthcheckFlags(checks[0]);
    // The script's own request timeout must end before Docker's.
    expect([...flags.keys()].sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    const scriptTimeout = Number(/timeout:(\d+)/.exec(command?.[2] ?? '')?.[1]);
    expect(scriptTimeout).toBeGreaterThan(0);
    expect(scriptTimeout).toBeLessThan(durationMs(flags.get('timeout') ?? ''));
    // Start-up runs migrations before the server listens.
    expect(durationMs(flags.get('start-period') ?? '')).toBeGreaterThanOrEqual(30_000);
  });

  it('carries OCI image labels', () => {
    const labels = new Map(
      keyword(runtime, 'LABEL').flatMap((l) =>
        (l as Label).getProperties().map((p) => [p.getName(), p.getValue()] as const),
      ),
    );
    for (const name of ['title', 'description', 'version', 'revision', 'created', 'licenses']) {
      expect(labels.get(`org.opencontainers.image.${name}`)).toBeTruthy();
    }
  });

  describe('HEALTHCHECK command, run for real against local servers', () => {
    const command = healthcheckCommand(keyword(runtime, 'HEALTHCHECK')[0]) ?? [];
    const servers: Server[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    });

    async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    }

    function runCheck(port: number): Promise<{ code: number | null; exitedAt: number }> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, command.slice(1), {
          env: { PATH: process.env.PATH, PORT: String(port) },
          stdio: 'ignore',
        });
        child.on('exit', (code) => resolve({ code, exitedAt: Date.now() }));
      });
    }

    it('exits 0 when /health/live answers 200', async () => {
      let path = '';
      const port = await serve((req, res) => {
        path = req.url ?? '';
        res.writeHead(200).end('{"status":"ok"}');
      });
      expect((await runCheck(port)).code).toBe(0);
      expect(path).toBe(LIVE_PATH);
    });

    it('exits 1 when the endpoint answers 503', async () => {
      const port = await serve((_req, res) => res.writeHead(503).end());
      expect((await runCheck(port)).code).toBe(1);
    });

    it('exits 1 when nothing listens', async () => {
      const port = await serve((_req, res) => res.end());
      await new Promise((resolve) => servers.pop()?.close(resolve));
      expect((await runCheck(port)).code).toBe(1);
    });

    it('exits 1 within its own timeout when the server hangs', async () => {
      let requestedAt = 0;
      const port = await serve(() => {
        requestedAt = Date.now(); // never answers
      });
      const { code, exitedAt } = await runCheck(port);
      expect(code).toBe(1);
      expect(requestedAt).toBeGreaterThan(0);
      // Timed from the request: the script's own timeout must give up before Docker's. Node's
      // start-up before it (about 1 s on a machine loaded 7 runnable tasks per core) is not the
      // script's timeout and is left out.
      expect(exitedAt - requestedAt).toBeLessThan(
        durationMs(healthcheckFlags(keyword(runtime, 'HEALTHCHECK')[0]).get('timeout') ?? ''),
      );
    }, 15_000);
  });
});

describe('.dockerignore (build context = repository root)', () => {
  const rules = parseDockerignore(readFileSync(DOCKERIGNORE, 'utf8'));

  it('sends every path the Dockerfile copies from the context, and they exist', () => {
    const sources = dockerfile.stages.flatMap((stage) =>
      keyword(stage, 'COPY')
        .filter((c) => !(c as Copy).getFlags().some((f) => f.getName() === 'from'))
        // Every argument but the last (the destination) is a source in the context.
        .flatMap((c) =>
          c
            .getArguments()
            .map((a) => a.getValue())
            .slice(0, -1),
        ),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({
        source,
        exists: true,
      });
      expect({ source, included: isIncluded(rules, source) }).toEqual({ source, included: true });
    }
  });

  it('sends the application sources (apps, libs) but not their tests', () => {
    expect(isIncluded(rules, 'apps/customer-management/src/main.ts')).toBe(true);
    expect(isIncluded(rules, 'apps/customer-management/tsconfig.app.json')).toBe(true);
    expect(isIncluded(rules, 'libs/tmf-common/src/index.ts')).toBe(true);
    expect(isIncluded(rules, 'libs/tmf-common/tsconfig.lib.json')).toBe(true);
    expect(
      isIncluded(rules, 'apps/customer-management/src/customer/customer.service.spec.ts'),
    ).toBe(false);
  });

  it.each([
    'node_modules/typeorm/package.json',
    'dist/apps/customer-management/src/main.js',
    '.git/HEAD',
    '.env',
    'apps/customer-management/.env',
    'data/customers.sqlite',
    'coverage/lcov.info',
    'docker/k8s/overlays/production/secrets/database.env',
    'test/e2e/support/global-setup.ts',
    'apps/customer-management/node_modules/x/index.js',
  ])('keeps %s out of the build context', (path) => {
    expect(isIncluded(rules, path)).toBe(false);
  });
});
