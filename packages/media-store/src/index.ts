export * from './local-directory-store';
export * from './media-store';
export * from './object-store';
export * from './s3-store';
