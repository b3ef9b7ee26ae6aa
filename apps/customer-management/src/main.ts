import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { createApp } from './configure-app';

function configOrExit(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/**
 * SIGTERM/SIGINT: stop accepting connections and let in-flight requests finish, then stop the
 * background work and close the pool (Nest shutdown hooks), all within SHUTDOWN_GRACE_MS.
 */
function handleShutdown(app: NestFastifyApplication, graceMs: number, logger: Logger): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) {
      return;
    }
    closing = true;
    logger.log(`${signal} received: draining in-flight requests (grace ${graceMs} ms)`);
    const deadline = setTimeout(() => {
      logger.error(`Shutdown grace period of ${graceMs} ms exceeded; exiting now`);
      process.exit(1);
    }, graceMs);
    deadline.unref();
    try {
      // The HTTP server first: requests in flight still need the database.
      await app.getHttpAdapter().getInstance().close();
      await app.close();
      logger.log('Shutdown complete');
      process.exit(0);
    } catch (err) {
      logger.error(`Shutdown failed: ${err instanceof Error ? err.stack : String(err)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  handleShutdown(app, config.shutdownGraceMs, logger);
  await app.listen({ port: config.port, host: config.host });
  const where =
    config.database.type === 'sqlite'
      ? `SQLite ${config.database.file}`
      : `MySQL ${config.database.host}:${config.database.port}/${config.database.database}`;
  logger.log(
    `TMF629 Customer Management listening on ${config.host}:${config.port} (${where}); hrefs under ${config.publicBaseUrl}`,
  );
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
