import { JsonObject, JsonValue } from '@app/tmf-common/core';

/**
 * Sets an own data member, whatever its name: a plain assignment of `__proto__` would replace the
 * prototype instead. (The API refuses such names; the mapping stays safe without relying on it.)
 */
export function put(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
