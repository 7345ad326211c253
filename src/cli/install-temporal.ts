import { resolveTemporalCli, resolveTestServer } from '../temporal/cli-resolver';
import { runCli } from './run-cli';

/** Makes sure the Temporal CLI (and, where it installs, the Java test server) is available. */
runCli(async () => {
  const cli = resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, log: (line) => console.log(line) });
  if (cli.kind === 'sdk-download') throw new Error('no Temporal CLI found and python3 is missing: set TEMPORAL_CLI_PATH or install python3');
  console.log(`Temporal CLI: ${cli.path} (from ${cli.source})`);
  const testServer = resolveTestServer();
  if (testServer) console.log(`Temporal test server: ${testServer}`);
});
