// The tool's version is the package's: one source of truth (bundled into the CLI by esbuild).
import pkg from '../../../package.json';

export const TOOL_VERSION: string = pkg.version;
