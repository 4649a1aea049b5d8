import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unavailable } from '@wagate/test-servers';
import { describe, expect, test, waitFor } from '@wagate/testing';
import { afterAll, beforeAll } from 'vitest';
import { K8S_DIR } from './src/manifests';
import { freePort, imageEnvironment, packageRuntime, startRuntime } from './src/runtime-folder';

let workDir: string;
let folder: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'wagate-runtime-'));
  folder = join(workDir, 'app');
  await packageRuntime(folder);
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** A data directory of its own for one process. */
function dataDir(): string {
  return mkdtempSync(join(workDir, 'data-'));
}

describe('deploy/package-runtime.sh', () => {
  test('produces package.json, the bundles with their migrations, and node_modules: nothing else', () => {
    expect(readdirSync(folder).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    for (const file of ['main.js', 'migrate.js', 'drizzle/meta/_journal.json']) {
      expect(existsSync(join(folder, 'dist', file)), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@wagate/launcher', type: 'module' });
    expect(manifest.devDependencies ?? {}, 'nothing of the dev tooling').not.toHaveProperty('vitest');
  });

  test('serves in monolithic mode (--target=all) against NATS and PostgreSQL, and exits 0 on SIGTERM', async ({
    natsNamespace,
    scratchDatabase,
  }) => {
    const env = imageEnvironment(folder, dataDir(), {
      PORT: String(await freePort()),
      NATS_URL: natsNamespace.url,
      NATS_NAMESPACE: natsNamespace.namespace,
      PARTITIONS: '8',
      DATABASE_URL: scratchDatabase.url,
      LOG_LEVEL: 'warn',
    });
    const wagate = await startRuntime(folder, ['dist/main.js', '--target=all'], env);
    try {
      const ready = await fetch(`${wagate.url}/readyz`);
      expect(await ready.json()).toMatchObject({
        ready: true,
        checks: { nats: { ok: true }, database: { ok: true } },
      });
      expect((await fetch(`${wagate.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${wagate.url}/metrics`)).text()).toContain('# TYPE');
    } finally {
      expect(await wagate.stop(), wagate.output()).toBe(0);
    }
  });

  test('as Kubernetes runs it: dist/migrate.js migrates and exits 0, then one service starts with DB_MIGRATE=false', async ({
    nats,
    scratchDatabase,
  }) => {
    const env = imageEnvironment(folder, dataDir(), {
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      PARTITIONS: '8',
      DATABASE_URL: scratchDatabase.url,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MEDIA_STORE: 'nats',
      LOG_LEVEL: 'warn',
    });
    // Exits non-zero (and throws here) when a migration fails; says so at info level when done.
    const migrated = execFileSync(process.execPath, ['dist/migrate.js'], {
      cwd: folder,
      env: { ...env, LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
    expect(migrated).toContain('database schema is up to date');

    const worker = await startRuntime(folder, ['dist/main.js', '--target=session-worker'], {
      ...env,
      PORT: String(await freePort()),
      DB_MIGRATE: 'false',
    });
    try {
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await worker.stop(), worker.output()).toBe(0);
      // The media object store is a stream the namespace fixture does not know to delete.
      const bus = await nats.connect('cleanup');
      await bus.jsm.streams.delete(`OBJ_${nats.namespace}_WA_MEDIA`).catch(() => false);
    }
  });
});

describe('NATS configuration', () => {
  test('the cluster (base) and single-server (dev) configurations are valid for nats-server', ({ skip }) => {
    if (spawnFails('nats-server', ['--version']))
      unavailable({ skip }, 'nats-server', 'apt-get install nats-server');
    for (const file of ['base/nats/nats.conf', 'overlays/dev/nats.conf']) {
      const checked = spawnSync('nats-server', ['-t', '-c', join(K8S_DIR, file)], {
        env: { PATH: process.env.PATH ?? '', POD_NAME: 'nats-0' },
        encoding: 'utf8',
      });
      expect(checked.status, `${file}: ${checked.stderr}${checked.stdout}`).toBe(0);
    }
  });

  /** Starts one NATS server of the cluster from the committed configuration, on loopback ports. */
  function startClusterServer(
    index: number,
    ports: { client: number[]; cluster: number[]; monitor: number[] },
  ): ChildProcess {
    const dir = join(workDir, `nats-${index}`);
    mkdirSync(dir, { recursive: true });
    // The volume and pid paths of the pod become folders of this test; routes, ports and the bind
    // address go on the command line, which takes precedence over the file.
    const config = readFileSync(join(K8S_DIR, 'base/nats/nats.conf'), 'utf8')
      .replace(/^(\s*store_dir:).*$/m, `$1 "${dir}/data"`)
      .replace(/^(\s*pid_file:).*$/m, `$1 "${dir}/nats.pid"`);
    const configFile = join(dir, 'nats.conf');
    writeFileSync(configFile, config);
    return spawn(
      'nats-server',
      [
        ...['-c', configFile, '-a', '127.0.0.1', '-p', String(ports.client[index])],
        ...['-m', String(ports.monitor[index]), '--cluster', `nats://127.0.0.1:${ports.cluster[index]}`],
        ...['--routes', ports.cluster.map((port) => `nats://127.0.0.1:${port}`).join(',')],
      ],
      { env: { PATH: process.env.PATH ?? '', POD_NAME: `nats-${index}` }, stdio: 'ignore' },
    );
  }

  test('three servers form a JetStream cluster on which wagate provisions every stream with three replicas', async ({
    scratchDatabase,
    skip,
  }) => {
    if (spawnFails('nats-server', ['--version']))
      unavailable({ skip }, 'nats-server', 'apt-get install nats-server');
    const ports = { client: [] as number[], cluster: [] as number[], monitor: [] as number[] };
    for (let index = 0; index < 3; index += 1) {
      ports.client.push(await freePort());
      ports.cluster.push(await freePort());
      ports.monitor.push(await freePort());
    }
    const servers = [0, 1, 2].map((index) => startClusterServer(index, ports));
    try {
      await waitFor(
        async () => {
          const jsz = (await (await fetch(`http://127.0.0.1:${ports.monitor[0]}/jsz`)).json()) as Jsz;
          return jsz.meta_cluster?.cluster_size === 3 && jsz.meta_cluster.leader;
        },
        { timeoutMs: 20_000, message: 'a JetStream meta leader among three servers' },
      );
      const namespace = `t${randomBytes(5).toString('hex')}`;
      const worker = await startRuntime(
        folder,
        ['dist/main.js', '--target=session-worker'],
        imageEnvironment(folder, dataDir(), {
          PORT: String(await freePort()),
          NATS_URL: `nats://127.0.0.1:${ports.client[1]}`,
          NATS_NAMESPACE: namespace,
          NATS_REPLICAS: '3',
          PARTITIONS: '8',
          DATABASE_URL: scratchDatabase.url,
          ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'warn',
        }),
      );
      try {
        const report = await fetch(
          `http://127.0.0.1:${ports.monitor[2]}/jsz?accounts=true&streams=true&config=true`,
        );
        const jsz = (await report.json()) as Jsz;
        const streams = (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
        expect(streams.map((stream) => stream.name)).toContain(`${namespace}_WA_EVENTS`);
        for (const stream of streams) expect(stream.config.num_replicas, stream.name).toBe(3);
      } finally {
        expect(await worker.stop(), worker.output()).toBe(0);
      }
    } finally {
      await Promise.all(servers.map((server) => stopProcess(server)));
    }
  });
});

/** The parts of a NATS server's /jsz report the test reads. */
interface Jsz {
  meta_cluster?: { cluster_size?: number; leader?: string };
  account_details?: Array<{ stream_detail?: Array<{ name: string; config: { num_replicas: number } }> }>;
}

function spawnFails(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
