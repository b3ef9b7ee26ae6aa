import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { codeBlocks, markdownFiles, unsafeShellLines } from '@test/support/markdown-blocks';
import { REPO_ROOT } from '@test/support/server-process';
import { TestApp } from './support/test-app';

/** The README's `bash tour` blocks, joined in order: what a reader pastes. */
function tourScript(): string {
  const blocks = codeBlocks(join(REPO_ROOT, 'README.md')).filter((b) => b.info === 'bash tour');
  return blocks.map((b) => b.text).join('\n');
}

function hasShell(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

interface ShellRun {
  code: number | null;
  output: string;
}

/**
 * Runs the script with the shell's strict options. curl reads `fail-with-body` from a private
 * `.curlrc`, so an HTTP error makes the printed command itself fail, without changing its text.
 */
function runTour(shell: 'bash' | 'zsh', script: string, port: number): Promise<ShellRun> {
  const home = mkdtempSync(join(tmpdir(), 'tmf629-tour-'));
  writeFileSync(join(home, '.curlrc'), 'fail-with-body\nshow-error\n');
  const args = ['-e', '-u', '-o', 'pipefail', '-c', script];
  return new Promise((resolve) => {
    const child = spawn(shell, args, {
      cwd: home,
      env: { PATH: process.env.PATH ?? '', HOME: home, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe('README tour, run as printed', () => {
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    app = await TestApp.start();
    port = Number(new URL(app.baseUrl).port);
  });
  afterAll(async () => {
    await app.close();
  });

  it('has tour blocks that create, read, query, patch and delete', () => {
    const script = tourScript();
    for (const step of ['-X PATCH', '-X DELETE', 'json-patch-query+json', 'If-Match', '?fields=']) {
      expect(script).toContain(step);
    }
  });

  it('never prints an unquoted URL or placeholder in a shell block of the README or docs/', () => {
    const problems = markdownFiles(REPO_ROOT)
      .flatMap(codeBlocks)
      .filter((b) => /^(bash|sh|shell|zsh)\b/.test(b.info))
      .flatMap(unsafeShellLines);
    expect(problems).toEqual([]);
  });

  const shells: ('bash' | 'zsh')[] = ['bash', 'zsh'];
  it.each(shells)('runs in %s with every command answering 2xx', async (shell) => {
    if (!hasShell(shell)) {
      // zsh is installed by .ci/run; on a developer machine without it only bash runs.
      expect(process.env.CI).not.toBe('true');
      console.warn(`${shell} is not installed: the tour was not run in it`);
      return;
    }
    const run = await runTour(shell, tourScript(), port);
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: run.output });
    const id = /"id":"([0-9a-f-]{36})"/.exec(run.output)?.[1];
    expect(id).toBeDefined();
    expect(run.output).toMatch(/HTTP\/1\.1 201|HTTP\/1\.1 200/);
    expect(run.output).toContain('"status":"suspended"');
    expect(run.output).toContain('"emailAddress":"new@moon.example"');
    expect(run.output).toContain('HTTP/1.1 204');
    expect((await app.request('GET', `/tmf-api/customerManagement/v4/customer/${id}`)).status).toBe(
      404,
    );
  });
});
