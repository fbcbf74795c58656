// The clang bridge: the only code in the project that runs clang.
export { compile, multiarchIncludeDir, BASE_FLAGS, DIAGNOSTIC_FLAGS, DEFAULT_COMPILE_TIMEOUT_MS } from './compile';
export type { CompileRequest, CompileResult } from './compile';
export { findClang, isClangInfo, clearClangCache, parseClangVersion, CLANG_CANDIDATES, MIN_CLANG_MAJOR, INSTALL_HINT } from './findClang';
export type { ClangInfo, ClangVersion, ToolchainProblem } from './findClang';
export { parseClangDiagnostics, unescapeClang } from './clangDiagnostics';
export type { FixEdit, FixGroup, ParseOptions } from './clangDiagnostics';
export { compileCommandFlags, splitCommand } from './compileCommands';
export type { CompileCommandFlags } from './compileCommands';
