// The checkers used by the ops tests must be able to fail: each one is shown a broken input.
import { validate } from 'dockerfile-utils';

import { isIncluded, parseDockerignore } from './support/dockerignore';
import { schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import type { K8sObject } from './support/kustomize';
import { parseQuantity } from './support/quantity';

function deployment(container: Record<string, unknown>, replicas: unknown = 1): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'probe' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'probe' } },
      template: {
        metadata: { labels: { app: 'probe' } },
        spec: { containers: [{ name: 'c', image: 'x:1', ...container }] },
      },
    },
  };
}

describe('ops test checkers', () => {
  it('schema validation accepts a valid Deployment', () => {
    expect(schemaErrors(deployment({}))).toEqual([]);
  });

  it('schema validation rejects a wrong type and an unknown kind', () => {
    expect(schemaErrors(deployment({}, 'two')).join()).toMatch(/replicas/);
    expect(
      schemaErrors({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toEqual([expect.stringContaining('no schema registered')]);
  });

  it('the unknown-field check rejects a misspelt field the schema lets through', () => {
    const typo = deployment({ securityContext: { readOnlyRootFileSystem: true } });
    expect(schemaErrors(typo)).toEqual([]); // the OpenAPI schema allows unknown fields
    const valid = deployment({ securityContext: { readOnlyRootFilesystem: true } });
    const problems = unknownFieldErrors([typo, valid]);
    expect(problems.get(typo)?.join()).toMatch(/readOnlyRootFileSystem/);
    expect(problems.get(valid)).toEqual([]);
  }, 60_000);

  it('the Dockerfile validator reports builder errors', () => {
    const messages = validate('FROM node:20\nHEALTHCHECK --interva=30s CMD ls\nCOPY onlyone\n').map(
      (d) => (typeof d.message === 'string' ? d.message : d.message.value),
    );
    expect(messages.join('\n')).toMatch(/interva/);
    expect(messages.length).toBeGreaterThanOrEqual(2);
  });

  it('the .dockerignore model follows Docker semantics', () => {
    const rules = parseDockerignore('*\n!apps\n**/*.spec.ts\n# comment\n!apps/keep.spec.ts\n');
    expect(isIncluded(rules, 'package.json')).toBe(false);
    expect(isIncluded(rules, 'apps/a/b.ts')).toBe(true);
    expect(isIncluded(rules, 'apps/a/b.spec.ts')).toBe(false);
    expect(isIncluded(rules, 'apps/keep.spec.ts')).toBe(true);
    expect(isIncluded(parseDockerignore('node_modules\n'), 'node_modules/x/y.js')).toBe(false);
    expect(isIncluded(parseDockerignore('node_modules\n'), 'apps/node_modules/x')).toBe(true);
    expect(isIncluded(parseDockerignore('a?c\n'), 'abc')).toBe(false);
    expect(isIncluded(parseDockerignore('a?c\n'), 'a/c')).toBe(true);
  });

  it('parses resource quantities', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseQuantity('1Gi')).toBe(1024 ** 3);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(() => parseQuantity('lots')).toThrow();
  });
});
