// BTF: type information (.BTF) and per-instruction func/line/CO-RE records (.BTF.ext).
export type { Btf } from './btf';
export { parseBtf, BTF_MAGIC } from './btf';
export type { BtfExt, BtfExtCoreRelo, BtfExtFuncInfo, BtfExtLineInfo } from './ext';
export { parseBtfExt, CoreReloKind } from './ext';
export * from './types';
