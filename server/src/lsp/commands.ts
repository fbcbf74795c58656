// Server-side commands (workspace/executeCommand), so every LSP client can use them: select the
// driver and kernel for this session, get the annotated disassembly, re-run the analysis.
// VS Code's client wraps them in quick picks and a virtual document (client/src/commands.ts).
import { ResponseError, ErrorCodes, type Connection, type ExecuteCommandParams } from 'vscode-languageserver';
import { kernelChoices } from '../core/drivers/kernels';
import type { AnalysisHost } from '../worker/host';
import type { AnalysisRuns } from './analysisRuns';
import { ServerCommands } from './protocol';
import type { SessionOverrides, SettingsSource } from './settings';

export const SERVER_COMMANDS: string[] = Object.values(ServerCommands);

export interface CommandContext {
  readonly connection: Connection;
  readonly host: AnalysisHost;
  readonly runs: AnalysisRuns;
  readonly overrides: SessionOverrides;
  readonly settings: SettingsSource;
  /** Driver ids the tables know. */
  readonly driverIds: () => readonly string[];
  /** The canonical id for an id or alias. */
  readonly findDriver: (id: string) => string | undefined;
}

export async function executeCommand(params: ExecuteCommandParams, ctx: CommandContext): Promise<unknown> {
  const args = params.arguments ?? [];
  switch (params.command) {
    case ServerCommands.listDrivers:
      return [...ctx.driverIds()];
    case ServerCommands.listKernels:
      return kernelChoices();
    case ServerCommands.selectDriver: {
      let id = args[0] as string | null | undefined;
      if (id === undefined) id = await pick(ctx, 'Select the XDP driver to check against', ctx.driverIds());
      if (id === undefined) return null;
      let canonical: string | null = null;
      if (id !== null && id !== '') {
        const found = ctx.findDriver(id);
        if (!found) throw new ResponseError(ErrorCodes.InvalidParams, `unknown driver '${id}' (known: ${ctx.driverIds().join(', ')})`);
        canonical = found;
      }
      ctx.overrides.driver = canonical;
      ctx.runs.reanalyzeAll();
      return ctx.overrides.driver;
    }
    case ServerCommands.selectKernel: {
      const k = args[0] as string | null | undefined;
      if (k === undefined) throw new ResponseError(ErrorCodes.InvalidParams, 'pass the kernel as "X.Y" (or null for the running reference)');
      if (k !== null && k !== '' && !/^\d+\.\d+$/.test(k)) throw new ResponseError(ErrorCodes.InvalidParams, `kernel must look like "6.1", not '${k}'`);
      ctx.overrides.kernel = k === '' ? null : k;
      ctx.runs.reanalyzeAll();
      return ctx.overrides.kernel;
    }
    case ServerCommands.reanalyze:
      ctx.runs.reanalyzeAll();
      return null;
    case ServerCommands.disassembly:
      return workerCommand(ctx, 'disassemble', args[0], {});
    case ServerCommands.runPacket: {
      const opts = (args[1] ?? {}) as Record<string, unknown>;
      if (typeof opts !== 'object' || opts === null) throw new ResponseError(ErrorCodes.InvalidParams, 'pass { packetHex } or { pcap }');
      return workerCommand(ctx, 'runPacket', args[0], opts);
    }
    case ServerCommands.portability: {
      const uri = args[0];
      const s = typeof uri === 'string' ? await ctx.settings.forResource(uri) : undefined;
      return workerCommand(ctx, 'portability', uri, s?.kernel ? { kernel: s.kernel } : {});
    }
    default:
      throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command ${params.command}`);
  }
}

/** Lets the user pick through window/showMessageRequest (Neovim shows it as vim.ui.select). */
async function pick(ctx: CommandContext, message: string, items: readonly string[]): Promise<string | null | undefined> {
  if (items.length === 0) throw new ResponseError(ErrorCodes.InvalidRequest, 'no driver tables available');
  const none = '(none: skip driver checks)';
  const answer = await ctx.connection.window.showInformationMessage(message, ...[none, ...items].map((title) => ({ title })));
  if (!answer) return undefined;
  return answer.title === none ? null : answer.title;
}

/** Runs a worker command on the document's last compiled object. */
async function workerCommand(ctx: CommandContext, name: 'disassemble' | 'runPacket' | 'portability', uri: unknown, args: Record<string, unknown>): Promise<unknown> {
  if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'pass the document uri');
  const last = ctx.runs.lastResult(uri);
  if (!last?.object) throw new ResponseError(ErrorCodes.InvalidRequest, 'no compiled object yet for this document: save it and wait for the analysis');
  const s = await ctx.settings.forResource(uri);
  const reply = await ctx.host.command({ name, object: last.object, file: last.file, args, timeBudgetMs: s.timeBudgetMs });
  if (reply.tag === 'ok') return reply.value;
  throw new ResponseError(ErrorCodes.InternalError, reply.tag === 'failed' ? reply.error : `${name} ${reply.tag}`);
}
