import { generateKeyPairSync, KeyObject } from 'node:crypto';

import { SignJWT } from 'jose';

/** The issuer and audience the auth e2e specs configure and sign for. */
export const ISSUER = 'https://auth.example.com/';
export const AUDIENCE = 'tmf629-customer-management';

export function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** The server's settings for bearer tokens signed by `publicKey`'s pair (AUTH_ENABLED). */
export function authEnv(publicKey: KeyObject): Record<string, string> {
  return {
    AUTH_ENABLED: 'true',
    AUTH_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
  };
}

/** An RS256 access token; unset claims are valid ones (both scopes, ISSUER, AUDIENCE, 5 minutes). */
export async function token(
  privateKey: KeyObject,
  claims: { scope?: string; aud?: string; iss?: string; exp?: number; kid?: string } = {},
): Promise<string> {
  return new SignJWT({ scope: claims.scope ?? 'customer:read customer:write' })
    .setProtectedHeader({ alg: 'RS256', ...(claims.kid ? { kid: claims.kid } : {}) })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setSubject('crm-frontend')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(privateKey);
}

export function bearer(t: string): Record<string, string> {
  return { authorization: `Bearer ${t}` };
}
