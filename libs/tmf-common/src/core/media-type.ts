/** The bare media type of a Content-Type header: lower-case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (!contentType) {
    return undefined;
  }
  return contentType.split(';')[0].trim().toLowerCase();
}

/** Media types carrying JSON that this server parses. Each route decides which of them it accepts. */
export const JSON_MEDIA_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/json-patch-query+json',
] as const;
