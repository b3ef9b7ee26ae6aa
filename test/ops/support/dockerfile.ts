import { readFileSync } from 'node:fs';

import { DockerfileParser, Healthcheck, Instruction } from 'dockerfile-ast';

import { DOCKERFILE } from './paths';

export interface Stage {
  name: string | null;
  /** Image reference with build arguments resolved to their defaults. */
  image: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  text: string;
  stages: Stage[];
}

/** Splits the Dockerfile into build stages, resolving `${ARG}` in FROM from the global ARGs. */
export function parseDockerfile(text = readFileSync(DOCKERFILE, 'utf8')): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globals = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) {
      globals.set(property.getName(), property.getValue() ?? '');
    }
  }
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const image = (args[0] ?? '').replace(
        /\$\{?(\w+)\}?/g,
        (_, name: string) => globals.get(name) ?? '',
      );
      const as = args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ name: as >= 0 ? (args[as + 1] ?? null) : null, image, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { text, stages };
}

export function keyword(stage: Stage, name: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === name);
}

/** The full argument text of an instruction (continuation lines joined). */
export function argumentText(instruction: Instruction): string {
  return instruction
    .getArguments()
    .map((a) => a.getValue())
    .join(' ');
}

/** argv of an exec-form (JSON array) CMD/ENTRYPOINT, or undefined for the shell form. */
export function execForm(instruction: Instruction): string[] | undefined {
  const content = (instruction.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ').trim();
  return parseJsonArray(content);
}

/** The exec-form command of a HEALTHCHECK (`HEALTHCHECK [flags] CMD [...]`). */
export function healthcheckCommand(instruction: Instruction): string[] | undefined {
  const content = (instruction.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');
  const match = /\bCMD\s+(\[[\s\S]*\])\s*$/.exec(content);
  return match ? parseJsonArray(match[1]) : undefined;
}

/** HEALTHCHECK flags such as --timeout=5s, as a name -> value map. */
export function healthcheckFlags(instruction: Instruction): Map<string, string> {
  return new Map(
    (instruction as Healthcheck).getFlags().map((f) => [f.getName(), f.getValue() ?? '']),
  );
}

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) {
    return undefined;
  }
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
}

/** Durations like 30s, 1m30s, 500ms in milliseconds. */
export function durationMs(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * units[match[2]];
  }
  return total;
}
