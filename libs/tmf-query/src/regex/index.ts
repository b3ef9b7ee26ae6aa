export * from './portable-regex';
