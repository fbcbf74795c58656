// Names shared by the server and the VS Code client: server-side commands (executeCommand, usable
// from any LSP client) and the one custom notification. The client's own commands (quick picks,
// virtual documents) are named `xdp.*`; the server's are `xdp.server.*` so the two never clash
// when vscode-languageclient registers the server's commands in VS Code.

export const ServerCommands = {
  /** [driverId?]: select the driver for this session; without an argument the client is asked to pick. */
  selectDriver: 'xdp.server.selectDriver',
  /** [kernel?]: select the target kernel ("6.1") for this session; null/"" = running reference. */
  selectKernel: 'xdp.server.selectKernel',
  /** [uri] -> string: the annotated disassembly of the document's last compiled object. */
  disassembly: 'xdp.server.disassembly',
  /** [uri, { packetHex?: string, pcap?: string, program?: string }] -> string: run the program in the emulator. */
  runPacket: 'xdp.server.runPacket',
  /** [uri] -> string: which drivers the document's programs work on (✔/✘ per driver, with reasons). */
  portability: 'xdp.server.portability',
  /** [uri?]: analyse again (all open documents without an argument). */
  reanalyze: 'xdp.server.reanalyze',
  /** [] -> string[]: driver ids the tables know. */
  listDrivers: 'xdp.server.listDrivers',
  /** [] -> { version, longterm, adds }[], newest first: kernels worth targeting and what each brought XDP. */
  listKernels: 'xdp.server.listKernels',
} as const;

/** `xdp/status`: the server tells the client when an analysis of a document starts and ends. */
export const StatusNotification = 'xdp/status';

export interface StatusParams {
  readonly uri: string;
  readonly state: 'analyzing' | 'ok' | 'cancelled' | 'failed' | 'timeout';
  readonly version: number;
  readonly ms?: number;
  /** Of `ms`, on `ok`: clang's compile and the analysis after it (load, verify, XDP analyses). */
  readonly compileMs?: number;
  readonly analyzeMs?: number;
  /** The driver and kernel the analysis ran for (null: none selected / running reference). */
  readonly driver: string | null;
  readonly kernel: string | null;
}

/** URI scheme of the annotated disassembly view: xdp-disasm:/path/file.c.s?<encoded document uri>. */
export const DISASM_SCHEME = 'xdp-disasm';

/**
 * Does the text contain an XDP program? The extension starts the server on the same test and
 * the server analyses only such files: a section name is what makes a C file an XDP program.
 */
export function hasXdpProgram(text: string): boolean {
  return /\bSEC\s*\(\s*"xdp/.test(text);
}
