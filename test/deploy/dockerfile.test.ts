import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@wagate/testing';
import type { Deployment } from 'kubernetes-types/apps/v1';
import {
  DOCKERIGNORE,
  lastInstruction,
  readDockerfile,
  runtimeStage,
  type Stage,
  stageEnvironment,
} from './src/dockerfile';
import { K8S_DIR, parseYamlDocuments, REPOSITORY_ROOT } from './src/manifests';
import { IMAGE_APP_DIR } from './src/runtime-folder';

/** No Docker engine runs where these tests run: they check what deploy/Dockerfile says. */
describe('deploy/Dockerfile', () => {
  const { args, stages } = readDockerfile();
  const build = stages.find((stage) => stage.name === 'build') as Stage;
  const runtime = runtimeStage();

  test('both stages start from one Node 20 slim image pinned to its patch version', () => {
    expect(args.NODE_IMAGE).toMatch(/^node:20\.\d+\.\d+-[a-z]+-slim$/);
    expect(stages.map((stage) => stage.image)).toEqual([args.NODE_IMAGE, args.NODE_IMAGE]);
  });

  test('the build stage installs pnpm, fetches by the lockfile and runs deploy/package-runtime.sh into what the runtime stage copies', () => {
    const runs = build.instructions.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args);
    expect(runs.some((run) => /npm install --global .*packageManager/.test(run))).toBe(true);
    expect(runs.some((run) => /\bpnpm fetch\b/.test(run))).toBe(true);
    const packaging = runs.find((run) => run.includes('deploy/package-runtime.sh'));
    expect(packaging, 'the script installs with its frozen lockfile: no --no-install').not.toContain(
      '--no-install',
    );
    expect(packaging).toMatch(new RegExp(`package-runtime\\.sh ${IMAGE_APP_DIR}$`));
    expect(lastInstruction(runtime, 'COPY')).toMatch(
      new RegExp(`--from=build .*${IMAGE_APP_DIR} ${IMAGE_APP_DIR}$`),
    );
    for (const { keyword, args: copied } of build.instructions) {
      if (keyword !== 'COPY' || copied.startsWith('--from')) continue;
      for (const source of copied.split(/\s+/).slice(0, -1)) {
        expect(existsSync(join(REPOSITORY_ROOT, source)), source).toBe(true);
      }
    }
  });

  test('the runtime stage runs `node dist/main.js --target=all` as a non-root user, bound to every interface', () => {
    expect(JSON.parse(lastInstruction(runtime, 'ENTRYPOINT')!)).toEqual(['node', 'dist/main.js']);
    expect(JSON.parse(lastInstruction(runtime, 'CMD')!)).toEqual(['--target=all']);
    expect(lastInstruction(runtime, 'WORKDIR')).toBe(IMAGE_APP_DIR);
    expect(lastInstruction(runtime, 'USER')).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const environment = stageEnvironment(runtime);
    expect(environment.MIGRATIONS_DIR).toBe(`${IMAGE_APP_DIR}/dist/drizzle`);
    expect(environment.HOST).toBe('0.0.0.0');
    expect(lastInstruction(runtime, 'EXPOSE')).toBe(environment.PORT);
  });

  test('the manifests run its pods as the image user, so runAsNonRoot can be verified', () => {
    const [uid, gid] = lastInstruction(runtime, 'USER')!.split(':').map(Number);
    const files = ['api-gateway', 'session-worker', 'webhook-dispatcher', 'cloud-api-bridge']
      .map((name) => join(K8S_DIR, 'base/services', `${name}.yaml`))
      .concat(join(K8S_DIR, 'overlays/dev/wagate.yaml'));
    for (const file of files) {
      const deployments = parseYamlDocuments(readFileSync(file, 'utf8'), file).filter(
        (object) => object.kind === 'Deployment',
      ) as Deployment[];
      for (const deployment of deployments) {
        expect(deployment.spec?.template.spec?.securityContext, file).toMatchObject({
          runAsNonRoot: true,
          runAsUser: uid,
          runAsGroup: gid,
        });
      }
    }
  });

  test('the build context leaves out the host installs and builds but keeps everything the build reads', () => {
    const patterns = readFileSync(DOCKERIGNORE, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((pattern) => pattern.replace(/^\*\*\//, ''));
    for (const ignored of ['node_modules', 'dist', '.git']) expect(patterns).toContain(ignored);
    const read = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json'];
    for (const needed of [...read, 'deploy', 'packages', 'services', 'test']) {
      expect(patterns, needed).not.toContain(needed);
    }
  });
});

describe('deploy/package-runtime.sh', () => {
  const script = join(REPOSITORY_ROOT, 'deploy/package-runtime.sh');

  test('refuses to run without a folder, with an unknown option, or into a folder that is not empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wagate-runtime-args-'));
    try {
      writeFileSync(join(dir, 'something'), '');
      for (const args of [[], ['--fast', join(dir, 'new')], [dir]]) {
        const result = spawnSync('bash', [script, ...args], { encoding: 'utf8' });
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stderr).not.toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
