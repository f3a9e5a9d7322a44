/** The wire contract of the file API, shared by the handlers and the client. */
export * from './answers';
export * from './constants';
export * from './errors';
export * from './requests';
export * from './routes';
