export * from './project';
