import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier';

@Module({
  // AuthGuard is also a provider of its own: routes served without Nest's guards ask it directly.
  providers: [TokenVerifier, AuthGuard, { provide: APP_GUARD, useExisting: AuthGuard }],
  exports: [AuthGuard],
})
export class AuthModule {}
