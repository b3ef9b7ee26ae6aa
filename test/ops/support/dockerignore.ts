/**
 * A small model of Docker's .dockerignore semantics, enough to check which repository paths
 * reach the build context: patterns are matched against the path and each of its parent
 * folders, `*` and `?` stop at `/`, `**` crosses folders, `!` re-includes, and the last
 * matching pattern wins.
 */
export interface IgnoreRule {
  negate: boolean;
  regex: RegExp;
  source: string;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line)
        .trim()
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { negate, regex: globToRegex(pattern), source: line };
    });
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // "**/" matches zero or more folders; a trailing "**" matches everything below.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

/** True when `path` (relative to the context root, `/`-separated) is sent to the builder. */
export function isIncluded(rules: IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) {
      included = rule.negate;
    }
  }
  return included;
}
