// clang's JSON AST, read the cheap way for return statements: only the main file's top-level
// declarations (and enum declarations anywhere) are parsed, the ~13 MB of kernel-header
// declarations are skipped unparsed. The result must equal what the full parse gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectReturns } from '../../server/src/core/csource/returns';
import { dumpAst, mainFileDecls } from '../../server/src/toolchain/ast';

const ROOT = join(__dirname, '..', '..');
const FILES = [join(ROOT, 'bench', 'programs', 'xdp_firewall.c'), join(ROOT, 'examples', 'xdp_invalid_action.c'), join(ROOT, 'test', 'fixtures', 'xdp', 'returns.c')];

describe('dumpAst mainFileOnly', () => {
  for (const file of FILES) {
    for (const stdin of [false, true]) {
      it(`gives the same return statements as the full dump: ${file.split('/').pop()} (${stdin ? 'stdin' : 'file'})`, async () => {
        const text = readFileSync(file, 'utf8');
        const req = { file, ...(stdin ? { text } : {}) };
        const full = await dumpAst(req);
        const fast = await dumpAst({ ...req, mainFileOnly: true });
        expect(full.ok && fast.ok).toBe(true);
        const want = collectReturns(full.decls, full.mainFile, text);
        expect(want.length).toBeGreaterThan(0);
        expect(collectReturns(fast.decls, fast.mainFile, text)).toEqual(want);
        // Header declarations are not parsed, except those defining enum constants.
        const all = full.decls[0]!.inner!.length;
        expect(fast.decls.length).toBeLessThan(all / 2);
        for (const d of fast.decls) {
          if (d.span?.file !== fast.mainFile) expect(JSON.stringify(d)).toContain('"EnumDecl"');
        }
      }, 30_000);
    }
  }

  it('does not take an includedFrom file for the location context', () => {
    // Two top-level declarations in clang's layout: the first is in a header included from the
    // main file; its `includedFrom` names main.c but the location context stays in the header.
    const dump = [
      '{',
      '  "id": "0x1",',
      '  "kind": "TranslationUnitDecl",',
      '  "inner": [',
      '    {',
      '      "id": "0x2",',
      '      "kind": "VarDecl",',
      '      "loc": {',
      '        "offset": 4,',
      '        "file": "/h.h",',
      '        "includedFrom": {',
      '          "file": "main.c"',
      '        }',
      '      },',
      '      "name": "in_header"',
      '    },',
      '    {',
      '      "id": "0x3",',
      '      "kind": "VarDecl",',
      '      "loc": {',
      '        "offset": 9',
      '      },',
      '      "range": {',
      '        "begin": {',
      '          "offset": 9,',
      '          "tokLen": 3',
      '        },',
      '        "end": {',
      '          "offset": 9,',
      '          "tokLen": 3',
      '        }',
      '      },',
      '      "name": "also_in_header"',
      '    }',
      '  ]',
      '}',
    ].join('\n');
    expect(mainFileDecls(Buffer.from(dump), 'main.c')).toEqual([]);
    const inMain = dump.replace('"file": "/h.h"', '"file": "main.c"');
    const kept = mainFileDecls(Buffer.from(inMain), 'main.c');
    expect(kept.map((d) => d.name)).toEqual(['in_header', 'also_in_header']);
    expect(kept[1]!.span).toEqual({ file: 'main.c', begin: 9, end: 12 });
  });

  it('refuses a dump that is not a translation unit, naming the problem', () => {
    expect(() => mainFileDecls(Buffer.from('{"kind": "FunctionDecl"}'), 'main.c')).toThrow(/TranslationUnitDecl/);
    expect(() => mainFileDecls(Buffer.from('{\n  "kind": "TranslationUnitDecl",\n  "inner": [\n    {\n      "id": "0x2"'), 'main.c')).toThrow(/unterminated declaration at byte \d+/);
  });
});
