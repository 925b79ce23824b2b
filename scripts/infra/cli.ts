/**
 * npm run infra:up [-- --fresh] [kafka|registry|cassandra]   start (idempotent), wait until ready
 * npm run infra:down [-- kafka|registry|cassandra]           stop what this checkout started
 * npm run infra:status                             what runs, where, since when
 */
import { describeError, ensureServers, serversState, stopServers, type ServerName } from './index.js';
import { SERVER_ORDER } from './server.js';

const USAGE = 'usage: infra <up|down|status> [--fresh] [kafka|registry|cassandra ...]';

function parse(argv: string[]): { command: string; fresh: boolean; only?: ServerName[] } {
  const [command, ...rest] = argv;
  if (!command || !['up', 'down', 'status'].includes(command)) throw new Error(`unknown command ${JSON.stringify(command ?? '')}; ${USAGE}`);
  let fresh = false;
  const only: ServerName[] = [];
  for (const arg of rest) {
    if (arg === '--fresh' && command === 'up') fresh = true;
    else if ((SERVER_ORDER as readonly string[]).includes(arg)) only.push(arg as ServerName);
    else throw new Error(`unknown argument ${JSON.stringify(arg)} for ${command}; ${USAGE}`);
  }
  return { command, fresh, ...(only.length > 0 ? { only } : {}) };
}

async function main(): Promise<void> {
  const { command, fresh, only } = parse(process.argv.slice(2));
  if (command === 'up') {
    const up = await ensureServers({ fresh, ...(only ? { only } : {}) });
    console.log(`Kafka brokers: ${up.kafkaBrokers.join(',')}\nSchema registry: ${up.registryUrl}\nCassandra: ${up.cassandraContactPoints.join(',')} (data center ${up.cassandraDataCenter})`);
  } else if (command === 'down') {
    await stopServers(only ? { only } : {});
  } else {
    for (const s of await serversState(only ? { only } : {})) {
      const rss = s.rssBytes ? `, ${Math.round(s.rssBytes / 2 ** 20)} MiB` : '';
      console.log(`${s.name.padEnd(9)} ${s.state.padEnd(14)} ${s.title}  ${s.address}${s.pid ? `  pid ${s.pid}${rss}` : ''}${s.startedAt ? `  since ${s.startedAt}` : ''}`);
      console.log(`${''.padEnd(25)}data ${s.data}  log ${s.logFile}${s.note ? `  (${s.note})` : ''}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(`infra: ${describeError(error)}`);
  process.exitCode = 1;
});
