import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { TMF629_V5_SPEC } from './v5-spec';

describe('the official TMF629 v5.0.1 file', () => {
  it('the JSON the build carries is the YAML from TM Forum, value for value', () => {
    const yaml = readFileSync(
      join(__dirname, '..', '..', 'spec', 'TMF629-Customer_Management-v5.0.1.oas.yaml'),
      'utf8',
    );
    expect(TMF629_V5_SPEC).toEqual(parse(yaml));
    expect(TMF629_V5_SPEC.info.version).toBe('5.0.1');
  });
});
