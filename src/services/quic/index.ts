export * from './initial';
export * from './tls';
