import { isJsonObject, JsonObject, JsonValue } from '@app/tmf-common/core';

import { put } from './put';

import { DEFAULT_TYPE } from './v5-types';

/** v5 characteristic attributes that v4 has nowhere (kept beside the v4 document). */
const V5_ONLY = ['id', 'characteristicRelationship'];
const HIDDEN_V4 = new Set(['@type', ...V5_ONLY]);

type Scalar = 'String' | 'Boolean' | 'Integer' | 'Number' | 'Object';

function scalarOf(value: JsonValue): Scalar | undefined {
  if (typeof value === 'string') {
    return 'String';
  }
  if (typeof value === 'boolean') {
    return 'Boolean';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'Integer' : 'Number';
  }
  return isJsonObject(value) ? 'Object' : undefined;
}

/**
 * The typed v5 characteristic for a v4 `value`: `StringCharacteristic`, `BooleanCharacteristic`,
 * `IntegerCharacteristic`, `NumberCharacteristic`, `ObjectCharacteristic`, or the `*Array` variant
 * when every element has one such type (integers mixed with other numbers: `NumberArray`; an empty
 * array: `StringArray`). Anything else (no value, mixed or nested arrays) is the base
 * `Characteristic`, which keeps `value` as given.
 */
export function characteristicTypeOf(value: JsonValue | undefined): string {
  if (value === undefined || value === null) {
    return DEFAULT_TYPE.characteristic;
  }
  if (!Array.isArray(value)) {
    return `${scalarOf(value) as Scalar}Characteristic`;
  }
  const kinds = new Set(value.map(scalarOf));
  if (kinds.size === 0) {
    return 'StringArrayCharacteristic';
  }
  if (kinds.size === 2 && kinds.has('Integer') && kinds.has('Number')) {
    return 'NumberArrayCharacteristic';
  }
  const [only] = [...kinds];
  return kinds.size === 1 && only !== undefined
    ? `${only}ArrayCharacteristic`
    : DEFAULT_TYPE.characteristic;
}

/** v4 `Characteristic {name, value, valueType}` → v5 typed characteristic. */
export function characteristicToV5(characteristic: JsonValue): JsonValue {
  if (!isJsonObject(characteristic)) {
    return characteristic;
  }
  const out: JsonObject = { '@type': characteristicTypeOf(characteristic.value) };
  for (const [key, value] of Object.entries(characteristic)) {
    if (!HIDDEN_V4.has(key)) {
      put(out, key, value);
    }
  }
  return out;
}

/** v5 typed characteristic → v4 `Characteristic` (`@type` follows from the value). */
export function characteristicToV4(characteristic: JsonValue): JsonValue {
  if (!isJsonObject(characteristic)) {
    return characteristic;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(characteristic)) {
    if (!HIDDEN_V4.has(key)) {
      put(out, key, value);
    }
  }
  return out;
}
