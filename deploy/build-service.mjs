#!/usr/bin/env node
// Bundles the package in the current directory (src/main.ts) into dist/main.js with esbuild, and
// deploy/migrate.ts into dist/migrate.js (the one-shot migration that Kubernetes runs before a pod):
// the workspace's packages and pure-JavaScript dependencies go in; packages that load files,
// WebAssembly, native code or worker threads by path stay external and must be dependencies of the
// bundled package, so that `pnpm deploy --prod` puts them in the image's node_modules.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = process.cwd();
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages that cannot be bundled: they resolve files, WebAssembly or workers at run time. */
const UNBUNDLED = [
  '@electric-sql/pglite',
  '@whiskeysockets/baileys',
  'pino',
  'pino-pretty',
  'thread-stream',
  'sharp',
  'jimp',
  'link-preview-js',
  'qrcode-terminal',
  'testcontainers',
  '@opentelemetry/sdk-node',
  '@opentelemetry/exporter-trace-otlp-http',
];

// A fresh folder, so nothing of an earlier build (a renamed migration, an old entry) ships.
rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: {
    main: join(packageDir, 'src/main.ts'),
    migrate: join(repositoryRoot, 'deploy/migrate.ts'),
  },
  outdir: join(packageDir, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: UNBUNDLED.flatMap((name) => [name, `${name}/*`]),
  // CommonJS dependencies inside an ESM bundle still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// The SQL migrations travel with the bundle; MIGRATIONS_DIR points the service at them.
cpSync(join(repositoryRoot, 'packages/db/drizzle'), join(packageDir, 'dist/drizzle'), { recursive: true });
process.stdout.write(`built ${manifest.name} → dist/main.js, dist/migrate.js\n`);
