import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPE = 'auth:scope';

/** Which configured scope an operation needs: reading or writing customers, or managing the hub. */
export type ScopeKind = 'read' | 'write' | 'hub';

export const RequireScope = (scope: ScopeKind): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPE, scope);
