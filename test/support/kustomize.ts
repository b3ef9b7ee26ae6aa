import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import { REPO_ROOT } from './server-process';

const K8S_DIR = join(REPO_ROOT, 'docker', 'k8s');

/** A rendered Kubernetes object (plain JSON as the API server would receive it). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/**
 * kubectl binary (KUBECTL overrides), or undefined when none is installed. Under CI (CI set) a
 * missing kubectl is an error, never a skip: .ci/run provides one (.ci/kubectl.sh).
 */
export function findKubectl(): string | undefined {
  const candidate = process.env.KUBECTL ?? 'kubectl';
  const probe = spawnSync(candidate, ['version', '--client'], { encoding: 'utf8' });
  if (probe.status === 0) {
    return candidate;
  }
  if (process.env.CI) {
    throw new Error(
      `CI is set but ${candidate} does not run: the ops tier must render the overlays`,
    );
  }
  return undefined;
}

/** Overlay folder names under docker/k8s/overlays. */
export function listOverlays(): string[] {
  return readdirSync(join(K8S_DIR, 'overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/** Password written into the throw-away secret env files of the test copy. */
export const TEST_DB_PASSWORD = 'test-only-password';

/**
 * Copies docker/k8s to a temporary folder and, as a deploy pipeline would, writes each
 * overlay's git-ignored secrets/*.env from its committed *.env.example (placeholder password
 * replaced). Returns the copy's root.
 */
export function prepareTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'tmf629-k8s-'));
  cpSync(K8S_DIR, root, { recursive: true });
  for (const overlay of listOverlays()) {
    const secrets = join(root, 'overlays', overlay, 'secrets');
    if (!existsSync(secrets)) {
      continue;
    }
    for (const file of readdirSync(secrets).filter((f) => f.endsWith('.env.example'))) {
      const example = readFileSync(join(secrets, file), 'utf8');
      writeFileSync(
        join(secrets, file.replace(/\.example$/, '')),
        example.replace(/CHANGE_ME/g, TEST_DB_PASSWORD),
      );
    }
  }
  return root;
}

/** `kubectl kustomize DIR`, parsed into objects. Throws with kubectl's message on failure. */
export function render(kubectl: string, dir: string): K8sObject[] {
  const out = execFileSync(kubectl, ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(`kustomize output is not valid YAML: ${doc.errors[0].message}`);
    }
    return doc.toJS() as K8sObject;
  });
}

/** Runs `kubectl kustomize DIR` and returns its exit status and stderr (never throws). */
export function tryRender(kubectl: string, dir: string): { status: number | null; stderr: string } {
  const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}
