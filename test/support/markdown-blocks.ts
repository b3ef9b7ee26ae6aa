import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fenced code block of a Markdown file: its info string (`bash tour`), text and first line. */
export interface CodeBlock {
  readonly file: string;
  readonly info: string;
  readonly text: string;
  readonly line: number;
}

/** The fenced (```) code blocks of a Markdown file, in order. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let open: { info: string; line: number; body: string[]; indent: string } | undefined;
  lines.forEach((line, index) => {
    const fence = /^(\s*)```(.*)$/.exec(line);
    if (!open && fence) {
      open = { info: fence[2].trim(), line: index + 1, body: [], indent: fence[1] };
    } else if (open && fence && fence[2].trim() === '') {
      blocks.push({ file, info: open.info, text: open.body.join('\n'), line: open.line });
      open = undefined;
    } else if (open) {
      open.body.push(line.startsWith(open.indent) ? line.slice(open.indent.length) : line);
    }
  });
  return blocks;
}

/** Markdown files of the repository that hold shell examples: the README and docs/ (recursively). */
export function markdownFiles(root: string): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? docs(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return [join(root, 'README.md'), ...docs(join(root, 'docs'))];
}

/**
 * Shell lines that break when pasted: a URL with `?` or `&` outside quotes (a glob in zsh, a
 * background job in any shell) and a `<placeholder>` outside quotes (a redirection). Quoted text
 * and comments are left out before looking.
 */
export function unsafeShellLines(block: CodeBlock): string[] {
  const problems: string[] = [];
  let heredoc: string | undefined;
  block.text.split('\n').forEach((line, index) => {
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) {
        heredoc = undefined;
      }
      return;
    }
    const bare = line
      .replace(/'[^']*'/g, "''")
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/(^|\s)#.*$/, '');
    heredoc = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1];
    const where = `${block.file}:${block.line + index + 1}: ${line.trim()}`;
    if (/\S*\/\S*[?&]/.test(bare)) {
      problems.push(`${where} (unquoted ? or & in a URL)`);
    }
    if (/<[A-Za-z][\w-]*>/.test(bare)) {
      problems.push(`${where} (a <placeholder> outside quotes is a redirection)`);
    }
  });
  return problems;
}
