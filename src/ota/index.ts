/** The OneNET Studio OTA wire protocol, defined once for devices and server. Imports nothing of ours. */
export * from './codes.ts';
export * from './envelope.ts';
export * from './range.ts';
export * from './routes.ts';
export * from './rules.ts';
export * from './token.ts';
