// Set at build time by esbuild (`define`); the package.json version when run from source.
declare const __ZEKE_VERSION__: string | undefined;
export const VERSION: string = typeof __ZEKE_VERSION__ === 'string' ? __ZEKE_VERSION__ : '0.0.0-dev';
