import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './manifests';

export const DOCKERFILE = join(REPOSITORY_ROOT, 'deploy/Dockerfile');
export const DOCKERIGNORE = join(REPOSITORY_ROOT, 'deploy/Dockerfile.dockerignore');

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The image after FROM, with build arguments' defaults substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

/**
 * The stages of deploy/Dockerfile: continuation lines joined, comments dropped, `${ARG}` in FROM
 * replaced by the argument's default. Enough of Dockerfile syntax to check what the file says; the
 * image itself can only be built where a Docker engine runs.
 */
export function readDockerfile(path = DOCKERFILE): { args: Record<string, string>; stages: Stage[] } {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({
        image: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? ''),
        name,
        instructions: [],
      });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = rest.split('=');
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** The variables a stage's ENV instructions set (`KEY=value` pairs, values without spaces). */
export function stageEnvironment(stage: Stage): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const separator = pair.indexOf('=');
      if (separator > 0) environment[pair.slice(0, separator)] = pair.slice(separator + 1);
    }
  }
  return environment;
}

/** The arguments of a stage's last instruction of a kind (the one that counts), or undefined. */
export function lastInstruction(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;
}

/** The runtime stage: the last one, which `docker build` produces. */
export function runtimeStage(): Stage {
  const stage = readDockerfile().stages.at(-1);
  if (!stage) throw new Error('deploy/Dockerfile has no stage');
  return stage;
}
