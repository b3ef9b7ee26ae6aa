import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import { exitOf } from './worker-thread-stop';

/**
 * From sources (jest, ts-node), a read worker's TypeScript must be compiled when the worker loads
 * it. ts-node in each worker loaded the compiler and compiled the query lib at every start (2-11 s
 * per worker on this 2-core machine, for every test app); this loader compiles each file once
 * (`transpileModule`, the repository's compiler options) into a cache keyed by its path and text,
 * loading the compiler only on a miss, and resolves the path aliases (tsconfig-paths). The built
 * server (dist/) starts the compiled worker directly.
 */
const LOADER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { root, cacheDir } = workerData.loader;
fs.mkdirSync(cacheDir, { recursive: true });
let ts;
let options;
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const hash = createHash('sha1').update(filename).update('\\0').update(source).digest('hex');
  const file = path.join(cacheDir, hash + '.js');
  let js;
  try {
    js = fs.readFileSync(file, 'utf8');
  } catch {
    ts ??= require(workerData.loader.typescript);
    if (!options) {
      const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config;
      options = ts.parseJsonConfigFileContent(config, ts.sys, root).options;
      options.sourceMap = false;
      options.inlineSourceMap = true;
    }
    js = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
    const temporary = file + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
    fs.writeFileSync(temporary, js);
    fs.renameSync(temporary, file);
  }
  module._compile(js, filename);
};
const paths = require(workerData.loader.tsconfigPaths);
const config = paths.loadConfig(root);
paths.register({ baseUrl: config.absoluteBaseUrl, paths: config.paths });
require(workerData.loader.entry);
`;

/** The worker to start for `entry`: the file itself, or the loader when it is TypeScript. */
export function workerSource(entry: string): {
  source: string;
  eval: boolean;
  loader?: Record<string, string>;
} {
  if (!entry.endsWith('.ts')) {
    return { source: entry, eval: false };
  }
  return {
    source: LOADER_SOURCE,
    eval: true,
    loader: {
      entry,
      root: resolve(__dirname, '..', '..', '..', '..'),
      cacheDir: join(tmpdir(), 'tmf629-read-worker-ts'),
      typescript: require.resolve('typescript'),
      tsconfigPaths: require.resolve('tsconfig-paths'),
    },
  };
}

/**
 * Starts the thread of a worker module (`SqliteWriter`, `SqliteReadWorkers`), built or from sources,
 * unreferenced: it never keeps the process alive on its own (`awaitExitOrTerminate` references it
 * again while it stops). `exited` resolves once it has exited, after its owner's 'exit' listeners
 * have run.
 */
export function startModuleWorker(
  entry: string,
  data: object,
): { worker: Worker; exited: Promise<void> } {
  const start = workerSource(entry);
  const worker = new Worker(start.source, {
    eval: start.eval,
    workerData: { ...data, loader: start.loader },
  });
  worker.unref();
  return { worker, exited: exitOf(worker) };
}
