import type { INestApplication } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';

import { QueryParametersGuard } from '@app/tmf-common';

/**
 * Puts QueryParametersGuard last in the guards of every route handler. Nest runs the global guards,
 * then the controller's (`@UseGuards` on the class: /hub-admin), then the handler's; last among the
 * handler's, the query check comes after every access check, as it did when it was an interceptor.
 * Runs before `app.init()` (routes read their guards then). Idempotent: the apps built in one
 * process (the e2e tests) share the controller classes, and the guard instance.
 */
export function guardQueryParametersLast(app: INestApplication): void {
  const scanner = new MetadataScanner();
  const guard = QueryParametersGuard.instance;
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const prototype = (wrapper.metatype as { prototype?: Record<string, unknown> } | null)
        ?.prototype;
      if (!prototype) {
        continue;
      }
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const guards = (Reflect.getMetadata(GUARDS_METADATA, handler) ?? []) as unknown[];
        if (!guards.includes(guard)) {
          Reflect.defineMetadata(GUARDS_METADATA, [...guards, guard], handler);
        }
      }
    }
  }
}
