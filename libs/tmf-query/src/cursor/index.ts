export * from './keyset-cursor';
