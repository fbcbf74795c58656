// Placeholder until the language server lands (issue 5): keeps the build's entry points present.
process.stderr.write('xdp-language-server: not built yet\n');
process.exit(2);
