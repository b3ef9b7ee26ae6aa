// Entry point for the TypeORM CLI (migration:generate|run|revert); DATABASE_URL picks the database.
import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { loadConfig } from '@server/config/app-config';

import { buildDataSourceOptions } from './data-source-options';

const config = loadConfig(process.env);

export default new DataSource(buildDataSourceOptions(config.database, config.dbPoolSize));
