// Placeholder until the CLI lands (issue 2): keeps the build's entry points present.
process.stderr.write('xdp-check: not built yet\n');
process.exit(2);
