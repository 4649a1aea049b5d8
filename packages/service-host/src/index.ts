export * from './common-config';
export * from './host';
export * from './infrastructure';
export * from './service-module';
