import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { ConfigError, loadConfig } from './config/app-config';
import { createApp } from './configure-app';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const where =
    config.database.type === 'sqlite'
      ? `SQLite ${config.database.file}`
      : `MySQL ${config.database.host}:${config.database.port}/${config.database.database}`;
  new Logger('Bootstrap').log(
    `TMF629 Customer Management listening on ${config.host}:${config.port} (${where}); hrefs under ${config.publicBaseUrl}`,
  );
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(
    `Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
