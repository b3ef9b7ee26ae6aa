// The checkers used by the ops tests must be able to fail: each one is shown a broken input.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';

import type { K8sObject } from '@test/support/kustomize';
import {
  componentSchema,
  componentSchemaErrors,
  componentUnknownFields,
  missingComponentLabels,
  OdaComponent,
} from '@test/support/oda-component';

import { isIncluded, parseDockerignore } from './support/dockerignore';
import { schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { K8S_DIR } from './support/paths';
import { parseQuantity } from './support/quantity';

/** The overlay's Component as committed (YAML anchors resolved), a fresh copy each call. */
function odaComponent(): OdaComponent {
  const text = readFileSync(join(K8S_DIR, 'overlays', 'oda', 'component.yaml'), 'utf8');
  const component = parse(text) as OdaComponent;
  component.metadata.labels = { 'oda.tmforum.org/componentName': component.metadata.name };
  return component;
}

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

  describe('ODA Component checks', () => {
    const schema = componentSchema('v1');
    const core = (c: OdaComponent) => c.spec.coreFunction!.exposedAPIs![0];

    it('the CRD schema accepts the committed Component', () => {
      expect(componentSchemaErrors(odaComponent(), schema)).toEqual([]);
      expect(componentUnknownFields(odaComponent(), schema)).toEqual([]);
    });

    it('the CRD schema rejects a wrong enum, a wrong type, an empty specification and a missing name', () => {
      const badType = odaComponent();
      core(badType).specification[0].apiType = 'swagger';
      (core(badType).specification[0] as Record<string, unknown>).port = '80';
      expect(componentSchemaErrors(badType, schema).join('\n')).toMatch(
        /specification\/0\/apiType must be equal to one of the allowed values[\s\S]*specification\/0\/port must be integer/,
      );
      const empty = odaComponent();
      core(empty).specification = [];
      expect(componentSchemaErrors(empty, schema).join()).toMatch(
        /specification must NOT have fewer than 1 items/,
      );
      const nameless = odaComponent();
      delete (core(nameless) as { name?: string }).name;
      expect(componentSchemaErrors(nameless, schema).join()).toMatch(/required property 'name'/);
      expect(
        componentSchemaErrors({ ...odaComponent(), apiVersion: 'oda.tmforum.org/v1beta4' }, schema),
      ).toEqual([expect.stringContaining('not an oda.tmforum.org/v1 Component')]);
    });

    it("the CRD's CEL rule rejects an exposed API without an implementation (schema alone accepts it)", () => {
      const broken = odaComponent();
      delete core(broken).specification[0].implementation;
      expect(componentSchemaErrors(broken, schema).join()).toMatch(
        /exposedAPIs\/0 fails the CRD rule: apiType, implementation, path, and port must be defined/,
      );
    });

    it('the unknown-field check reports a misspelt field the schema lets through', () => {
      const typo = odaComponent();
      const spec = core(typo).specification[0] as Record<string, unknown>;
      spec.developerUi = spec.developerUI;
      delete spec.developerUI;
      (typo.spec as Record<string, unknown>).coreFunctions = {};
      expect(componentSchemaErrors(typo, schema)).toEqual([]);
      expect(componentUnknownFields(typo, schema)).toEqual([
        '/spec/coreFunction/exposedAPIs/0/specification/0/developerUi is not a field of the Component schema (it would be pruned)',
        '/spec/coreFunctions is not a field of the Component schema (it would be pruned)',
      ]);
    });

    it('the CRD is read from its Helm template, only the served versions', () => {
      expect(() => componentSchema('v9')).toThrow(/serves no version v9/);
      expect(() =>
        componentSchema('v1', 'spec:\n  group: example.com\n  names: {kind: Widget}\n'),
      ).toThrow(/not the ODA Component CRD/);
    });

    it('the label check reports an object or pod template without the component label', () => {
      const labelled = { 'oda.tmforum.org/componentName': 'r1-x' };
      const ok = deployment({});
      ok.metadata.labels = labelled;
      (
        ok.spec as { template: { metadata: { labels: Record<string, string> } } }
      ).template.metadata.labels = labelled;
      expect(missingComponentLabels([ok], 'r1-x')).toEqual([]);
      expect(missingComponentLabels([ok], 'r2-x')).toEqual([
        'Deployment/probe',
        'Deployment/probe pod template',
      ]);
      const bare = deployment({});
      bare.metadata.labels = labelled;
      expect(missingComponentLabels([bare], 'r1-x')).toEqual(['Deployment/probe pod template']);
    });
  });

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
