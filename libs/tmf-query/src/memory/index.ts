export * from './document-walker';
export * from './evaluator';
export * from './sort-comparator';
