// Test support only: random TMF630 queries built from the values present in a data set, so that
// most conditions select something and the SQL/evaluator comparison is meaningful.
import { AttributePath, QuerySchema, valuesAt, arrayElements, elementValues } from '@app/tmf-query';

import { createRandom } from './random';

const OPS_BY_TYPE: Record<string, string[]> = {
  string: ['=', '.eq=', '!=', '>', '.gte=', '<', '<=', '*='],
  integer: ['=', '!=', '.gt=', '>=', '<', '.lte='],
  number: ['=', '!=', '>', '>=', '<', '<='],
  'date-time': ['=', '!=', '.gt=', '>=', '.lt=', '<='],
  boolean: ['=', '!='],
  any: ['=', '!=', '>', '.gte=', '<', '*='],
};

const OFFSETS = ['Z', '+01:00', '-05:30', '+14:00'];

function formatInstant(ms: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1;
  const minutes =
    offset === 'Z' ? 0 : sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const local = new Date(ms + minutes * 60_000).toISOString().replace(/Z$/, '');
  return local + offset;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`);
}

export class QueryFuzzer {
  private readonly random: () => number;
  private readonly samples = new Map<string, string[]>();
  private readonly paths: AttributePath[];
  private readonly sortable: AttributePath[];

  constructor(
    private readonly schema: QuerySchema,
    documents: readonly unknown[],
    seed: number,
  ) {
    this.random = createRandom(seed);
    for (const attribute of schema.leaves.values()) {
      const texts = new Set<string>();
      for (const doc of documents) {
        const values =
          attribute.arrayKey === undefined
            ? valuesAt(doc, attribute)
            : arrayElements(doc, attribute).flatMap((e) => elementValues(e, attribute));
        for (const value of values) {
          texts.add(value.kind === 's' ? value.text : this.textOf(attribute, value.num));
        }
      }
      this.samples.set(attribute.path, [...texts]);
    }
    this.paths = [...schema.leaves.values()].filter(
      (a) => (this.samples.get(a.path)?.length ?? 0) > 0,
    );
    this.sortable = this.paths.filter((a) => a.arrayKey === undefined && a.type !== 'any');
  }

  private textOf(attribute: AttributePath, num: number): string {
    if (attribute.type === 'date-time') {
      return formatInstant(num, this.pick(OFFSETS));
    }
    if (attribute.type === 'boolean') {
      return num === 1 ? 'true' : 'false';
    }
    return String(num);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private value(attribute: AttributePath, op: string): string {
    const samples = this.samples.get(attribute.path) ?? [''];
    let text = this.pick(samples);
    if (attribute.type === 'date-time') {
      const ms = Date.parse(text) + (this.random() < 0.3 ? 1 : 0);
      text = formatInstant(ms, this.pick(OFFSETS));
    }
    if (op === '*=') {
      const chars = Array.from(text);
      const cut = 1 + Math.floor(this.random() * Math.min(chars.length, 6));
      const fragment = escapeRegex(chars.slice(0, cut).join(''));
      text = this.pick([
        `^${fragment}`,
        fragment,
        `${escapeRegex(chars.slice(-2).join(''))}$`,
        '[0-9]',
      ]);
    } else if (attribute.type === 'string' && this.random() < 0.2) {
      text = Array.from(text).slice(0, 3).join('');
    } else if (attribute.type === 'any' && this.random() < 0.3) {
      text = this.pick(['5', '5.0', 'true', 'false', '7', 'gold', '-2', '0', '2024']);
    }
    return encodeURIComponent(text);
  }

  private term(attribute: AttributePath): string {
    const op = this.pick(OPS_BY_TYPE[attribute.type]);
    const values = Array.from({ length: this.random() < 0.25 ? 2 : 1 }, () =>
      this.value(attribute, op),
    );
    return `${attribute.path}${op}${values.join(',')}`;
  }

  /** A random list-view query: at most one filter parameter and one to three sort keys. */
  nextSorted(): string {
    const params: string[] = [];
    if (this.random() < 0.5) {
      params.push(this.term(this.pick(this.paths)));
    }
    const count = 1 + Math.floor(this.random() * 3);
    const keys = Array.from({ length: count }, () => this.pick(this.sortable)).map(
      (a) => `${this.random() < 0.5 ? '-' : ''}${a.path}`,
    );
    params.push(`sort=${keys.join(',')}`);
    return params.join('&');
  }

  /** A random query: 1 to 3 parameters, sometimes `;`, same-array pairs, sort and paging. */
  next(): string {
    const params: string[] = [];
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) {
      const attribute = this.pick(this.paths);
      let param = this.term(attribute);
      if (this.random() < 0.15) {
        param += `;${this.term(this.pick(this.paths))}`;
      }
      params.push(param);
      if (attribute.arrayKey !== undefined && this.random() < 0.5) {
        const sibling = this.paths.filter((a) => a.arrayKey === attribute.arrayKey);
        params.push(this.term(this.pick(sibling)));
      }
    }
    if (this.random() < 0.5) {
      const keys = [this.pick(this.sortable), this.pick(this.sortable)].map(
        (a) => `${this.random() < 0.5 ? '-' : ''}${a.path}`,
      );
      params.push(`sort=${keys.join(',')}`);
    }
    if (this.random() < 0.3) {
      params.push(
        `offset=${Math.floor(this.random() * 10)}&limit=${1 + Math.floor(this.random() * 20)}`,
      );
    }
    return params.join('&');
  }
}
