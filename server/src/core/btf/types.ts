// BTF type records as plain data. Encoding facts: include/uapi/linux/btf.h (Linux 6.12) and
// Documentation/bpf/btf.rst. Every type has an id (its position in the type section, counting
// from 1; id 0 is void) and a name ('' when anonymous).

/** BTF_KIND_* numbers (include/uapi/linux/btf.h, 6.12). */
export const BtfKindNum = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9,
  CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17,
  TYPE_TAG: 18, ENUM64: 19,
} as const;

export type BtfKind =
  | 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef' | 'volatile'
  | 'const' | 'restrict' | 'func' | 'func_proto' | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag'
  | 'enum64';

/** Kind names indexed by BTF_KIND_* number. */
export const KIND_NAMES: readonly BtfKind[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const',
  'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

/** BTF_INT_* encoding bits. */
export const BtfIntEncoding = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** enum btf_func_linkage / BTF_VAR_* linkage values. */
export const BtfLinkage = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

interface Base {
  readonly id: number;
  readonly name: string;
}

export interface BtfVoid extends Base { readonly kind: 'void' }
export interface BtfInt extends Base {
  readonly kind: 'int';
  readonly size: number;
  /** BtfIntEncoding bits. */
  readonly encoding: number;
  readonly bitOffset: number;
  readonly bits: number;
}
export interface BtfPtr extends Base { readonly kind: 'ptr'; readonly type: number }
export interface BtfArray extends Base {
  readonly kind: 'array';
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset of the member in bits from the start of the struct. */
  readonly bitOffset: number;
  /** Bitfield width when the struct has kind_flag set and the member is a bitfield; else 0. */
  readonly bitfieldSize: number;
}
export interface BtfComposite extends Base {
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly members: readonly BtfMember[];
}
export interface BtfEnum extends Base {
  readonly kind: 'enum';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: number }[];
}
export interface BtfEnum64 extends Base {
  readonly kind: 'enum64';
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly { readonly name: string; readonly value: bigint }[];
}
export interface BtfFwd extends Base { readonly kind: 'fwd'; readonly union: boolean }
export interface BtfModifier extends Base {
  readonly kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
  readonly type: number;
}
export interface BtfFunc extends Base {
  readonly kind: 'func';
  /** The FUNC_PROTO id. */
  readonly type: number;
  /** BtfLinkage. */
  readonly linkage: number;
}
export interface BtfParam { readonly name: string; readonly type: number }
export interface BtfFuncProto extends Base {
  readonly kind: 'func_proto';
  readonly returnType: number;
  /** A trailing `{ name: '', type: 0 }` parameter marks a variadic function. */
  readonly params: readonly BtfParam[];
}
export interface BtfVar extends Base { readonly kind: 'var'; readonly type: number; readonly linkage: number }
export interface BtfVarSecinfo { readonly type: number; readonly offset: number; readonly size: number }
export interface BtfDatasec extends Base {
  readonly kind: 'datasec';
  readonly size: number;
  readonly vars: readonly BtfVarSecinfo[];
}
export interface BtfFloat extends Base { readonly kind: 'float'; readonly size: number }
export interface BtfDeclTag extends Base {
  readonly kind: 'decl_tag';
  /** The tagged type (a struct/union, var, func or typedef). */
  readonly type: number;
  /** -1 for the type itself, else the member or parameter index. */
  readonly componentIdx: number;
}

export type BtfType =
  | BtfVoid | BtfInt | BtfPtr | BtfArray | BtfComposite | BtfEnum | BtfEnum64 | BtfFwd | BtfModifier
  | BtfFunc | BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag;

/** Kinds that only qualify or rename another type; `resolve` skips them. */
export function isModifier(t: BtfType): t is BtfModifier {
  return t.kind === 'typedef' || t.kind === 'volatile' || t.kind === 'const' || t.kind === 'restrict' || t.kind === 'type_tag';
}
