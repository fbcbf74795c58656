// clang's diagnostic text -> findings, on recorded stderr from clang 14 and clang 19 (no clang run).
import { describe, expect, it } from 'vitest';
import { parseClangDiagnostics, splitCommand, unescapeClang } from '../../server/src/toolchain';
import { relevantFlags } from '../../server/src/toolchain/compileCommands';

const opts = { mainFile: '/w/a.c', cwd: '/w' };

describe('parseClangDiagnostics', () => {
  it('ignores clang 19 snippet lines ("  8 |") and groups notes under their warning', () => {
    const stderr = [
      'a.c:8:9:{8:7-8:12}: warning: using the result of an assignment as a condition without parentheses [-Wparentheses]',
      '    8 |   if (y = 3) return 1;',
      '      |       ~~^~~',
      'a.c:8:9: note: use \'==\' to turn this assignment into an equality comparison',
      '    8 |   if (y = 3) return 1;',
      '      |         ^',
      '      |         ==',
      'fix-it:"a.c":{8:9-8:10}:"=="',
      'a.c:10:17: error: call to undeclared function \'f\'; ISO C99 and later do not support implicit function declarations [-Wimplicit-function-declaration]',
      '1 warning and 1 error generated.',
    ].join('\n');
    const f = parseClangDiagnostics(stderr, opts);
    expect(f.map((x) => [x.code, x.range.start.line, x.range.start.column])).toEqual([
      ['clang/warning', 8, 7],
      ['clang/error', 10, 17],
    ]);
    expect(f[0]!.related).toHaveLength(1);
    expect(f[0]!.data?.fixits).toEqual([
      { title: "use '==' to turn this assignment into an equality comparison", edits: [{ range: { start: { line: 8, column: 9 }, end: { line: 8, column: 10 } }, newText: '==' }] },
    ]);
    expect(f[1]!.data?.flag).toBe('-Wimplicit-function-declaration');
  });

  it('names the header for an error inside an included file and points back at the #include', () => {
    const stderr = ['In file included from a.c:3:', 'In file included from ./inc/b.h:2:', './inc/c.h:5:1: error: unknown type name \'bogus\'', ' bogus x;', ' ^'].join('\n');
    const [f] = parseClangDiagnostics(stderr, opts);
    expect(f!.file).toBe('/w/inc/c.h');
    expect(f!.range.start).toEqual({ line: 5, column: 1 });
    expect(f!.data?.includedFrom).toEqual({ line: 3 });
    expect(f!.related?.[0]).toMatchObject({ message: 'in a file included from line 3', range: { start: { line: 3 } } });
  });

  it('maps <stdin> and the main file to no file, stretches a caret over its token', () => {
    const src = 'int x;\nint prog(void) { return nope; }\n';
    const f = parseClangDiagnostics("<stdin>:2:25: error: use of undeclared identifier 'nope'", { ...opts, sourceOf: () => src });
    expect(f[0]!.file).toBeUndefined();
    expect(f[0]!.range).toEqual({ start: { line: 2, column: 25 }, end: { line: 2, column: 29 } });
    // Columns are bytes: after a two-byte `é` in a comment the identifier starts at byte column 14.
    const utf8 = '/* é */ int nope2;\n';
    const u = parseClangDiagnostics("<stdin>:1:14: error: bad 'nope2'", { ...opts, sourceOf: () => utf8 });
    expect(u[0]!.range).toEqual({ start: { line: 1, column: 14 }, end: { line: 1, column: 19 } });
    const g = parseClangDiagnostics('/w/a.c:1:1: warning: x', opts);
    expect(g[0]!.file).toBeUndefined();
  });

  it('keeps backend errors and a note without a parent; fatal errors are errors', () => {
    const stderr = [
      'b.c:6:10: error: Looks like the BPF stack limit of 512 bytes is exceeded. Please move large on stack variables into BPF per-cpu array map.',
      'b.c:4:5: note: could not determine the original source location for b.c:0:0',
      'clang: error: unknown argument: \'-nosuch\'',
      'e.c:1:10:{1:10-1:25}: fatal error: \'bpf/nothere.h\' file not found',
    ].join('\n');
    const f = parseClangDiagnostics(stderr, opts);
    expect(f.map((x) => x.severity)).toEqual(['error', 'error', 'error']);
    expect(f[0]!.related?.[0]!.message).toMatch(/could not determine/);
    expect(f[1]!.data?.noLocation).toBe(true);
    expect(f[2]!.data?.hint).toMatch(/libbpf-dev/);
    const orphan = parseClangDiagnostics('a.c:1:1: note: just a note', opts);
    expect(orphan[0]).toMatchObject({ code: 'clang/note', severity: 'info' });
  });

  it('unescapes fix-it text the way llvm escapes it', () => {
    expect(unescapeClang('a\\"b\\\\c\\n\\t')).toBe('a"b\\c\n\t');
    expect(unescapeClang('\\303\\251')).toBe('é');
    expect(unescapeClang('plain ü')).toBe('plain ü');
  });
});

describe('compile_commands.json flags', () => {
  it('splits shell commands with quotes and escapes', () => {
    expect(splitCommand(`cc -DMSG="hello world" -I'a b' x\\ y.c ""`)).toEqual(['cc', '-DMSG=hello world', '-Ia b', 'x y.c', '']);
  });

  it('keeps -I/-D/-U/-isystem/-include/-std, resolves paths against the entry directory, drops the rest', () => {
    const flags = relevantFlags(
      { directory: '/p/build', arguments: ['cc', '-O2', '-Iinc', '-I', '/abs', '-DA=1', '-D', 'B', '-UC', '-isystem', 'sys', '-include', 'pre.h', '-std=gnu11', '-Wall', '-o', 'x.o', '-c', 'x.c'] },
      '/p',
    );
    expect(flags).toEqual(['-I', '/p/build/inc', '-I', '/abs', '-D', 'A=1', '-D', 'B', '-U', 'C', '-isystem', '/p/build/sys', '-include', '/p/build/pre.h', '-std=gnu11']);
  });
});
