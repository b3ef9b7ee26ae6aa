import { createPublicKey, KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';

import { AppConfig } from '@server/config/app-config';

import { AuthException } from './auth.exception';

export interface VerifiedToken {
  subject?: string;
  scopes: Set<string>;
}

type KeySource = KeyObject | ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies OAuth2 bearer JWTs (signature against the JWKS URL or the configured public key, `exp`,
 * `nbf`, issuer, audience) with jose. The JWKS is fetched lazily, cached, and refetched on an
 * unknown `kid`, so key rotation needs no restart.
 */
@Injectable()
export class TokenVerifier {
  private key?: KeySource;

  constructor(private readonly config: AppConfig) {}

  async verify(token: string): Promise<VerifiedToken> {
    const auth = this.config.auth;
    try {
      const { payload } = await jwtVerify(
        token,
        this.keySource() as Parameters<typeof jwtVerify>[1],
        {
          issuer: auth.issuer,
          audience: auth.audience,
          clockTolerance: 30,
        },
      );
      return { subject: payload.sub, scopes: scopesOf(payload) };
    } catch (err) {
      throw AuthException.invalidToken(describe(err));
    }
  }

  private keySource(): KeySource {
    if (!this.key) {
      const auth = this.config.auth;
      this.key = auth.jwksUrl
        ? createRemoteJWKSet(new URL(auth.jwksUrl), {
            timeoutDuration: 3000,
            cooldownDuration: 30000,
          })
        : createPublicKey(auth.publicKey ?? '');
    }
    return this.key;
  }
}

/** OAuth2 `scope` (space-separated, RFC 8693) or `scp` (array, as some servers issue). */
function scopesOf(payload: JWTPayload): Set<string> {
  const scope = payload.scope;
  const scp = payload.scp;
  const list =
    typeof scope === 'string' ? scope.split(' ') : Array.isArray(scp) ? scp.map(String) : [];
  return new Set(list.filter((s) => s !== ''));
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) {
    return 'token expired';
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return `claim ${err.claim} check failed`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return 'signature verification failed';
  }
  if (err instanceof errors.JOSEError) {
    return err.code.replace(/^ERR_/, '').toLowerCase().replace(/_/g, ' ');
  }
  return 'token could not be verified';
}
