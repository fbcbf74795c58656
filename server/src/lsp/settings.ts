// The `xdp` settings section: typed once, shared by the server and the VS Code client (which
// imports only the types and defaults from here). Settings are resolved per resource on every
// analysis through workspace/configuration, with `initializationOptions.settings` as the fallback
// for clients that cannot answer it; they are never cached in server globals (a changed setting
// takes effect on the next analysis without a restart). analysisRuns.ts starts each analysis with
// the document's previous settings while the answer is on its way, and replaces that job when the
// answer differs.
import type { Connection } from 'vscode-languageserver';

export type VerifyOn = 'save' | 'change';

export interface XdpSettings {
  /** Driver id from the driver tables (`generic`, `mlx5_core`, ...), or null: driver checks off. */
  readonly driver: string | null;
  /** Target kernel "X.Y", or null for the running reference kernel. */
  readonly kernel: string | null;
  readonly clang: { readonly path: string | null; readonly args: readonly string[] };
  readonly verifyOn: VerifyOn;
  /** Hard budget for one analysis (compile included); a stuck worker is killed after it. */
  readonly timeBudgetMs: number;
}

export const DEFAULT_SETTINGS: XdpSettings = {
  driver: null,
  kernel: null,
  clang: { path: null, args: [] },
  verifyOn: 'save',
  timeBudgetMs: 10_000,
};

/** Debounce for `verifyOn: "change"` analyses of unsaved text. */
export const CHANGE_DEBOUNCE_MS = 300;

/**
 * Normalises whatever a client sends (a nested `{ clang: { path } }` object, VS Code's flattened
 * `"clang.path"` keys, wrong types) into complete settings; unknown or ill-typed values fall back
 * to the defaults rather than failing the analysis.
 */
export function normalizeSettings(raw: unknown): XdpSettings {
  const o = isObject(raw) ? raw : {};
  const clang = isObject(o.clang) ? o.clang : {};
  const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const clangPath = str(clang.path ?? o['clang.path']);
  const argsRaw = clang.args ?? o['clang.args'];
  const args = Array.isArray(argsRaw) ? argsRaw.filter((a): a is string => typeof a === 'string') : [];
  const verifyOn: VerifyOn = o.verifyOn === 'change' ? 'change' : 'save';
  const budget = typeof o.timeBudgetMs === 'number' && Number.isFinite(o.timeBudgetMs) && o.timeBudgetMs > 0
    ? Math.round(o.timeBudgetMs)
    : DEFAULT_SETTINGS.timeBudgetMs;
  return {
    driver: str(o.driver),
    kernel: str(o.kernel),
    clang: { path: clangPath, args },
    verifyOn,
    timeBudgetMs: budget,
  };
}

/** Per-session choices made with the select-driver/kernel commands by clients without a settings UI. */
export interface SessionOverrides {
  driver?: string | null;
  kernel?: string | null;
}

export class SettingsSource {
  constructor(
    private readonly connection: Connection,
    private readonly canAskClient: boolean,
    private readonly fallback: unknown,
    private readonly overrides: SessionOverrides,
  ) {}

  /** The settings for one document, asked from the client each time (never cached). */
  async forResource(uri: string): Promise<XdpSettings> {
    let raw: unknown = this.fallback;
    if (this.canAskClient) {
      try {
        const answer: unknown = await this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'xdp' });
        // A client that has no such section answers null: keep the initialization fallback then.
        if (isObject(answer)) raw = { ...(isObject(this.fallback) ? this.fallback : {}), ...answer };
      } catch {
        // The client refused the request: the fallback stands.
      }
    }
    const s = normalizeSettings(raw);
    return {
      ...s,
      ...(this.overrides.driver !== undefined ? { driver: this.overrides.driver } : {}),
      ...(this.overrides.kernel !== undefined ? { kernel: this.overrides.kernel } : {}),
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
